export * from './listen.decorator';
