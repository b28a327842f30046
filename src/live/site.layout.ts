import { html, Layout, LayoutPage, LayoutSlots, LiveLayout } from '@lattice/live';
import { footer, header, STYLES } from './partials';

const SECTIONS = [
  { path: '/', label: 'Questions' },
  { path: '/demo/counter', label: 'Counter' },
  { path: '/demo/list', label: 'Keyed list' },
];

/** Every Forum page: the header, a navigation that marks the current section, the footer. */
@Layout({ name: 'site' })
export class SiteLayout implements LiveLayout {
  render({ content }: LayoutSlots, page: LayoutPage) {
    return html`${header()}<nav>${SECTIONS.map(
      (s) =>
        html`<a href="${s.path}" class="${s.path === page.path ? 'current' : ''}">${s.label}</a> `,
    )}</nav>${content}${footer()}`;
  }

  head(): string {
    return STYLES;
  }
}
