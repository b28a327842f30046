export * from './live.messages';
export * from './template/html';
export * from './template/escape';
export { compile, type CompiledTemplate, type Hole } from './template/compile';
export * from './diff/rendered';
export * from './diff/render';
export * from './diff/diff';
export * from './live.module';
export {
  LIVE_OPTIONS_TYPE,
  LIVE_ASYNC_OPTIONS_TYPE,
  type LiveOptionsFactory,
} from './live.module-definition';
export * from './live.options';
export * from './live.constants';
export * from './live-integrations';
export * from './live.renderer';
export * from './component/component.decorators';
export * from './component/component.service';
export * from './component/component.registry';
export type { OnLiveProps } from './component/component-tree';
export * from './session/session-token';
export * from './session/live-sessions';
export * from './live-page.decorator';
export * from './layout/layout';
export * from './layout/layout.manager';
// @OnChannel: @lattice/live/channels; @UseState, @PersistState: @lattice/live/state.
