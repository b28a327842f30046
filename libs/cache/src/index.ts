export * from './cache.module';
export * from './cache.constants';
export * from './cache.interfaces';
export * from './cache.messages';
export * from './cache.registry';
export * from './lattice-cache';
export * from './tags/tag-index';
export * from './decorators/inject-cache.decorator';
