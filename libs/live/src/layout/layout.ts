import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import type { TemplateResult } from '../template/html';

export const LIVE_LAYOUT_METADATA = 'lattice:live:layout';

export interface LayoutOptions {
  name: string;
  /** Render inside this layout too (for example a section layout inside the site layout). */
  parent?: string;
}

/** What a layout fills in: `content` (the page or the child layout), and any slots the page gave. */
export interface LayoutSlots {
  content: TemplateResult;
  [slot: string]: TemplateResult | undefined;
}

/** The page being rendered, for layouts that show a title or mark the current section. */
export interface LayoutPage {
  title: string;
  path?: string;
}

/**
 * A page layout: markup around the page's content (header, navigation, footer). The document
 * itself (`<html>`, `<head>` with the title, the runtime script) is Lattice's, so every layout
 * gets it once.
 *
 * @example
 * @Layout({ name: 'site' })
 * export class SiteLayout implements LiveLayout {
 *   render({ content, aside }: LayoutSlots, page: LayoutPage) {
 *     return html`<header><h1>${page.title}</h1></header><main>${content}</main><aside>${aside}</aside>`;
 *   }
 * }
 */
export interface LiveLayout {
  render(slots: LayoutSlots, page: LayoutPage): TemplateResult;
  /** Extra markup for `<head>` (trusted), e.g. styles. */
  head?(): string;
}

export function Layout(options: LayoutOptions): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(LIVE_LAYOUT_METADATA, options));
}
