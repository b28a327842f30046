import { Component, ComponentService, html, LivePage, On } from '@lattice/live';
import { UseState } from '@lattice/live/state';
import { Apply, StateDefinition, StateManager, type StateReducer } from '@lattice/state';
import { Controller, Get } from '@nestjs/common';

interface Tally {
  count: number;
}

/** The counter every page shares: a @lattice/state stream. */
@StateDefinition({ name: 'tally' })
export class TallyState implements StateReducer<Tally> {
  initial(): Tally {
    return { count: 0 };
  }
  @Apply('added')
  added(tally: Tally): Tally {
    return { count: tally.count + 1 };
  }
}

/** (b) A counter shared between pages: a click on one page shows on every other. */
@UseState('tally', { as: 'tally' })
@Component({ name: 'shared-counter' })
export class SharedCounter extends ComponentService<Record<string, never>, { tally: Tally }> {
  constructor(private readonly streams: StateManager) {
    super();
  }
  mount() {
    return {} as { tally: Tally };
  }
  render({ tally }: { tally: Tally }) {
    return html`<p>Count: <b id="count">${tally?.count ?? 0}</b></p>
      <button id="add" data-l-click="add">+1</button>`;
  }
  @On('add')
  async add() {
    await this.streams.dispatch<Tally>('tally', { type: 'added', payload: {} });
  }
}

@Controller()
export class SharedCounterPage {
  @Get()
  @LivePage('shared-counter', { title: 'Shared counter' })
  page() {
    return {};
  }
}
