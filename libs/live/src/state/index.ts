// @lattice/live/state: live components bound to @lattice/state streams (needs @lattice/state).
export * from './use-state.decorator';
export * from './live-state.module';
export { LiveComponentState } from './component-state.definition';
