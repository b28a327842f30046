import type { Type } from '@nestjs/common';
import type { ComponentService } from '../component/component.service';
import { compile, type CompiledTemplate } from './compile';

/** The result of an html`` tag: the compiled statics and this render's values. */
export class TemplateResult {
  constructor(
    readonly template: CompiledTemplate,
    readonly values: readonly unknown[],
  ) {}
}

/**
 * Marks markup as trusted: it is inserted as is. Use it only for HTML you produced or
 * sanitized yourself, never for user input.
 */
export class UnsafeHTML {
  constructor(readonly html: string) {}
}

/** A keyed list: items keep their identity across renders, so only changed items travel. */
export class Repeat<T = unknown> {
  constructor(
    readonly items: readonly T[],
    readonly key: (item: T, index: number) => string | number,
    readonly render: (item: T, index: number) => TemplateResult,
  ) {}
}

/** A child component placed in a template with `live()`; the session mounts and renders it. */
export class LiveChild<P = unknown> {
  constructor(
    /** The component's class, or its registered name. */
    readonly component: Type<ComponentService<P, unknown>> | string,
    readonly props: P,
    readonly key: string | undefined,
  ) {}
}

/**
 * The template tag. The strings are the statics (compiled once per call site); the values are the
 * dynamics, escaped for where they sit: element text, a quoted attribute, or a URL attribute
 * (javascript:, data: and other unsafe schemes become an inert URL).
 *
 * @example
 * html`<a href="${url}" class="${active ? 'on' : ''}">${title}</a>`
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): TemplateResult {
  return new TemplateResult(compile(strings), values);
}

export function unsafeHTML(markup: string): UnsafeHTML {
  return new UnsafeHTML(markup);
}

/** `repeat(questions, (q) => q.id, (q) => html`<li>${q.title}</li>`)` */
export function repeat<T>(
  items: readonly T[],
  key: (item: T, index: number) => string | number,
  render: (item: T, index: number) => TemplateResult,
): Repeat<T> {
  return new Repeat(items, key, render);
}

/**
 * Places a child component: it is mounted with `props` the first time its parent renders it, has
 * its own state and `@On()` handlers (events from inside it go to it), and a change of its state
 * sends only its own diff. Its template must have one root element. `key` tells apart children of
 * the same component in one parent (as in `repeat()`); a parent that renders different props later
 * calls the child's `onProps()`, or mounts it again when it has none.
 *
 * @example
 * html`<main>${repeat(questions, (q) => q.id, (q) => live(VoteButton, { id: q.id }, { key: q.id }))}</main>
 *   ${live(Sidebar, { active: tag })}`
 */
export function live<P>(
  component: Type<ComponentService<P, unknown>> | string,
  props: P,
  options: { key?: string | number } = {},
): LiveChild<P> {
  return new LiveChild(
    component,
    props,
    options.key === undefined ? undefined : String(options.key),
  );
}
