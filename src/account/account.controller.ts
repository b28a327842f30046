import { Public } from '@lattice/core';
import { LivePage } from '@lattice/live';
import { Controller, Get, Query } from '@nestjs/common';
import type { AccountFormProps } from './account-forms.component';

/** A path on this site to return to after logging in; anything else becomes `/`. */
function nextPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]{0,300}$/.test(next) ? next : '/';
}

/**
 * Login, sign-up and account pages; the Forum's script (ForumScriptController) posts their forms.
 * Public: the account page asks visitors to log in.
 */
@Public()
@Controller()
export class AccountController {
  @Get('login')
  @LivePage('login-form', { title: 'Log in · Lattice Forum', layout: 'site' })
  login(@Query('next') next?: string): AccountFormProps {
    return { next: nextPath(next) };
  }

  @Get('account')
  @LivePage('account-page', { title: 'Your account · Lattice Forum', layout: 'site' })
  account() {
    return {};
  }

  @Get('signup')
  @LivePage('signup-form', { title: 'Sign up · Lattice Forum', layout: 'site' })
  signup(@Query('next') next?: string): AccountFormProps {
    return { next: nextPath(next) };
  }
}
