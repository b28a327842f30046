import { eventsClientScriptTag } from '@lattice/events';
import { html, Layout, live, LayoutPage, LayoutSlots, LiveLayout } from '@lattice/live';
import { OnModuleInit } from '@nestjs/common';
import { ForumScript } from '../account/browser/forum-script';
import { STYLES } from './partials';
import { Footer, Header } from './site-components';

/**
 * Every Forum page: the header (navigation, the current section marked, who is logged in), the
 * page, an optional `aside` slot, the footer.
 */
@Layout({ name: 'site' })
export class SiteLayout implements LiveLayout, OnModuleInit {
  private scripts = '';

  constructor(private readonly forumScript: ForumScript) {}

  async onModuleInit(): Promise<void> {
    // The channels client (presence, notifications) runs on the live runtime's socket; forum.js uses it.
    this.scripts = `${await eventsClientScriptTag()}${await this.forumScript.scriptTag()}`;
  }

  render({ content, aside }: LayoutSlots, page: LayoutPage) {
    return html`${live(Header, { path: page.path })}${content}${aside ?? ''}${live(Footer, {})}`;
  }

  head(): string {
    return `${STYLES}${this.scripts}`;
  }
}
