import { Module } from '@nestjs/common';
import { AccountController } from './account.controller';
import { LoginForm, SignupForm } from './account-forms.component';
import { AccountPage } from './account-page.component';
import { ForumScript } from './browser/forum-script';
import { ForumScriptController } from './browser/forum-script.controller';

/**
 * Login, sign-up and account ("Log out everywhere") pages (their forms post to
 * @lattice/security's `/auth` routes), and the
 * Forum's browser script that posts them; the site layout puts its tag on every page.
 */
@Module({
  controllers: [AccountController, ForumScriptController],
  providers: [LoginForm, SignupForm, AccountPage, ForumScript],
  exports: [ForumScript],
})
export class AccountModule {}
