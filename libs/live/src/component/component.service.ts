import { AsyncLocalStorage } from 'node:async_hooks';
import type { TemplateResult } from '../template/html';
import { LiveMessages } from '../live.messages';

/** What a component knows about the visitor and the page it runs in. */
export interface LiveContext {
  /** The socket identity (from the authentication hook), or null when anonymous. */
  identity: { id: string; [claim: string]: unknown } | null;
  /** The live session id. */
  session: string;
}

/**
 * A component instance as a binding (`@UseState`, `@OnChannel`) sees it when it wraps its
 * lifecycle: `mount`, topics and handlers by name.
 */
export type WrappableComponent = {
  mount(props: unknown, context: LiveContext): unknown;
  subscriptions?(state: unknown): string[];
  onPublish?(topic: string, payload: unknown): unknown;
} & Record<string, unknown>;
/** A component state read as a bag of fields, symbols included (where bindings keep their notes). */
export type StateBag = Record<string | symbol, unknown>;

/** The running instance whose state `setState()` changes (set around handlers). */
export interface StateHolder<S> {
  state: S;
  changed(): void;
}
export const currentInstance = new AsyncLocalStorage<StateHolder<unknown>>();

/**
 * A live component: `mount()` builds its state from props, `render()` turns state into a
 * template, `@On()` methods change the state with `this.setState()` or `this.update()`. The
 * class is a singleton provider (inject services as usual); state lives per session, never on
 * `this`.
 *
 * @example
 * @Component({ name: 'counter' })
 * export class Counter extends ComponentService<{ start: number }, { count: number }> {
 *   mount({ start }) { return { count: start }; }
 *   render({ count }) { return html`<button data-l-click="inc">${count}</button>`; }
 *   @On('inc') inc() { this.update((s) => ({ count: s.count + 1 })); }
 * }
 */
export abstract class ComponentService<
  Props = Record<string, unknown>,
  State = Record<string, unknown>,
> {
  abstract mount(props: Props, context: LiveContext): State | Promise<State>;
  abstract render(state: State): TemplateResult;

  /** Merges `patch` into the state of the instance handling the current event. */
  protected setState(patch: Partial<State>): void {
    const holder = this.holder();
    holder.state = { ...holder.state, ...patch };
    holder.changed();
  }

  /** Replaces the state with `fn(state)`. */
  protected update(fn: (state: State) => State): void {
    const holder = this.holder();
    holder.state = fn(holder.state);
    holder.changed();
  }

  /** The state of the instance handling the current event. */
  protected get state(): State {
    return this.holder().state;
  }

  private holder(): StateHolder<State> {
    const holder = currentInstance.getStore() as StateHolder<State> | undefined;
    if (!holder) throw LiveMessages.stateOutsideEvent(this.constructor.name);
    return holder;
  }
}
