export * from './live.messages';
export * from './template/html';
export * from './template/escape';
export { compile, type CompiledTemplate, type Hole } from './template/compile';
export * from './diff/rendered';
export * from './diff/render';
export * from './diff/diff';
