import { Public } from '@lattice/core';
import { LivePage } from '@lattice/live';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AccountFormProps } from './account-forms.component';
import { FORUM_SCRIPT } from './forum-script';

/** The script's address carries its hash, so it can be cached for a year and still change. */
export const FORUM_SCRIPT_PATH = `/assets/forum.${createHash('sha256').update(FORUM_SCRIPT).digest('hex').slice(0, 10)}.js`;

/** A path on this site to return to after logging in; anything else becomes `/`. */
function nextPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]{0,300}$/.test(next) ? next : '/';
}

/** Login and sign-up pages, and the script that posts their forms. */
@Public()
@Controller()
export class AccountController {
  @Get('login')
  @LivePage('login-form', { title: 'Log in · Lattice Forum', layout: 'site' })
  login(@Query('next') next?: string): AccountFormProps {
    return { next: nextPath(next) };
  }

  @Get('signup')
  @LivePage('signup-form', { title: 'Sign up · Lattice Forum', layout: 'site' })
  signup(@Query('next') next?: string): AccountFormProps {
    return { next: nextPath(next) };
  }

  @Get(FORUM_SCRIPT_PATH)
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  script(): string {
    return FORUM_SCRIPT;
  }
}
