import { Module } from '@nestjs/common';
import { LiveComponentState } from './component-state.definition';
import { LiveStateBinding } from './live-state.binding';

/**
 * Binds `@UseState` and `@PersistState` components to @lattice/state streams. Import it once,
 * next to `StateModule.forRoot()` and `LiveModule.forRoot()`.
 *
 * @example
 * import { LiveStateModule } from '@lattice/live/state';
 * @Module({ imports: [StateModule.forRoot(), LiveModule.forRoot(), LiveStateModule] })
 * export class AppModule {}
 */
@Module({ providers: [LiveStateBinding, LiveComponentState] })
export class LiveStateModule {}
