import { Component, ComponentService, html, On } from '@lattice/live';
import { Controller, Get } from '@nestjs/common';
import { LivePage } from '@lattice/live';

/** (a) A live counter: a click on the button increments it, over the page's WebSocket. */
@Component({ name: 'counter' })
export class Counter extends ComponentService<Record<string, never>, { count: number }> {
  mount() {
    return { count: 0 };
  }
  render({ count }: { count: number }) {
    return html`<p>Count: <b id="count">${count}</b></p>
      <button id="add" data-l-click="add">+1</button>`;
  }
  @On('add')
  add() {
    this.update((state) => ({ count: state.count + 1 }));
  }
}

@Controller()
export class CounterPage {
  @Get()
  @LivePage('counter', { title: 'Counter' })
  page() {
    return {};
  }
}
