import { Apply, StateDefinition, type StateReducer } from '@lattice/state';

/** The streams `live:<hash>` that `@PersistState` components save their state to. */
@StateDefinition({ name: 'live', snapshotEvery: 50 })
export class LiveComponentState implements StateReducer<unknown> {
  initial(): unknown {
    return null;
  }

  /** The component's whole state after an event. */
  @Apply('saved')
  saved(_state: unknown, payload: unknown): unknown {
    return payload;
  }
}
