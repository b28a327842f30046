export * from './listen.decorator';
export * from './channel-auth.decorator';
