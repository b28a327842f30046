import { html, Layout, live, LayoutPage, LayoutSlots, LiveLayout } from '@lattice/live';
import { FORUM_SCRIPT_PATH } from '../account/account.controller';
import { STYLES } from './partials';
import { Footer, Header } from './site-components';

/** Every Forum page: the header (navigation with the current section marked), the footer. */
@Layout({ name: 'site' })
export class SiteLayout implements LiveLayout {
  render({ content }: LayoutSlots, page: LayoutPage) {
    return html`${live(Header, { path: page.path })}${content}${live(Footer, {})}`;
  }

  head(): string {
    return `${STYLES}<script src="${FORUM_SCRIPT_PATH}" defer></script>`;
  }
}
