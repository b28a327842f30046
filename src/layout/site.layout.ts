import { eventsClientScriptTag } from '@lattice/events';
import { html, Layout, live, LayoutPage, LayoutSlots, LiveLayout } from '@lattice/live';
import { OnModuleInit } from '@nestjs/common';
import { FORUM_SCRIPT_PATH } from '../account/account.controller';
import { STYLES } from './partials';
import { Footer, Header } from './site-components';

/**
 * Every Forum page: the header (navigation, the current section marked, who is logged in), the
 * page, an optional `aside` slot, the footer.
 */
@Layout({ name: 'site' })
export class SiteLayout implements LiveLayout, OnModuleInit {
  private scripts = '';

  async onModuleInit(): Promise<void> {
    // The channels client (presence, notifications) runs on the live runtime's socket; forum.js uses it.
    this.scripts = `${await eventsClientScriptTag()}<script src="${FORUM_SCRIPT_PATH}" defer></script>`;
  }

  render({ content, aside }: LayoutSlots, page: LayoutPage) {
    return html`${live(Header, { path: page.path })}${content}${aside ?? ''}${live(Footer, {})}`;
  }

  head(): string {
    return `${STYLES}${this.scripts}`;
  }
}
