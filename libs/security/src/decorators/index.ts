export * from './public.decorator';
export * from './current-user.decorator';
export * from './roles.decorator';
export * from './can.decorator';
export * from './resource-owners.decorator';
