import { Public } from '@lattice/core';
import { Component, ComponentService, html, LivePage, On, repeat } from '@lattice/live';
import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';

/** The smallest live component: a counter (`/demo/counter`). */
@Component({ name: 'demo-counter' })
export class CounterDemo extends ComponentService<Record<string, never>, { count: number }> {
  mount() {
    return { count: 0 };
  }

  render({ count }: { count: number }) {
    return html`<h2>Counter</h2><p>Clicked <b class="count">${count}</b> times.</p><button data-l-click="inc">+1</button> <button data-l-click="add" data-l-value-by="10">+10</button> <button data-l-click="reset">Reset</button>`;
  }

  @On('inc')
  inc() {
    this.update((s) => ({ count: s.count + 1 }));
  }

  @On('add', z.object({ by: z.coerce.number().int().min(1).max(100) }))
  add({ by }: { by: number }) {
    this.update((s) => ({ count: s.count + by }));
  }

  @On('reset')
  reset() {
    this.setState({ count: 0 });
  }
}

interface Item {
  id: number;
  title: string;
}

/** A keyed list (`/demo/list`): adds, removals and moves travel as single list entries. */
@Component({ name: 'demo-list' })
export class ListDemo extends ComponentService<
  Record<string, never>,
  { items: Item[]; next: number }
> {
  mount() {
    return {
      items: ['Write the test', 'Make it pass', 'Measure it'].map((title, i) => ({
        id: i + 1,
        title,
      })),
      next: 4,
    };
  }

  render({ items }: { items: Item[] }) {
    return html`<h2>Keyed list</h2><form data-l-submit="add"><input name="title" placeholder="New item" maxlength="80" required> <button>Add</button></form><ol class="items">${repeat(
      items,
      (item) => item.id,
      (item) =>
        html`<li id="item-${item.id}">${item.title} <button data-l-click="up" data-l-value-id="${item.id}" aria-label="Move up">↑</button> <button data-l-click="remove" data-l-value-id="${item.id}" aria-label="Remove">✕</button></li>`,
    )}</ol>`;
  }

  @On('add', z.object({ title: z.string().trim().min(1).max(80) }))
  add({ title }: { title: string }) {
    this.update((s) => ({ items: [...s.items, { id: s.next, title }], next: s.next + 1 }));
  }

  @On('remove', z.object({ id: z.coerce.number().int() }))
  remove({ id }: { id: number }) {
    this.update((s) => ({ ...s, items: s.items.filter((item) => item.id !== id) }));
  }

  @On('up', z.object({ id: z.coerce.number().int() }))
  up({ id }: { id: number }) {
    this.update((s) => {
      const at = s.items.findIndex((item) => item.id === id);
      if (at <= 0) return s;
      const items = [...s.items];
      [items[at - 1], items[at]] = [items[at], items[at - 1]];
      return { ...s, items };
    });
  }
}

@Public()
@Controller('demo')
export class DemoController {
  @Get('counter')
  @LivePage('demo-counter', { title: 'Counter · Lattice Forum', layout: 'site' })
  counter() {
    return {};
  }

  @Get('list')
  @LivePage('demo-list', { title: 'Keyed list · Lattice Forum', layout: 'site' })
  list() {
    return {};
  }
}
