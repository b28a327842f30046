import { Module } from '@nestjs/common';
import { AccountModule } from '../account/account.module';
import { UsersModule } from '../users/users.module';
import { Footer, Header, Sidebar } from './site-components';
import { SiteLayout } from './site.layout';

/**
 * The `site` layout every Forum page uses (`@LivePage(…, { layout: 'site' })`): header with
 * navigation and who is logged in, footer, the styles and the Forum's scripts. The tag sidebar
 * (`sidebar()` in partials.ts) is a site component pages place themselves; it is exported for them.
 */
@Module({
  imports: [UsersModule, AccountModule],
  providers: [SiteLayout, Header, Footer, Sidebar],
  exports: [Sidebar],
})
export class SiteLayoutModule {}
