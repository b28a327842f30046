/**
 * What a `@StateDefinition` class provides besides its `@Apply` reducers.
 * `merge` is needed only with `conflicts: 'merge'`.
 */
export interface StateReducer<S> {
  /** The state of a stream with no events. */
  initial(streamId: string): S;
  /**
   * Three-way merge after a conflict: `base` is the state the dispatch saw, `mine` that state
   * with the dispatch's events applied, `theirs` the latest state. Returns the state to keep.
   */
  merge?(base: S, mine: S, theirs: S): S;
}
