export * from './public.decorator';
export * from './current-user.decorator';
