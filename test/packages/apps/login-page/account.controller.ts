import { type AuthUser, CurrentUser } from '@lattice/security';
import { Controller, Get, Header } from '@nestjs/common';

/** (e) A page only a logged-in user sees (the global guard answers 401 to anyone else). */
@Controller()
export class AccountController {
  @Get('account')
  @Header('Content-Type', 'text/html; charset=utf-8')
  account(@CurrentUser() user: AuthUser) {
    return `<h1>Welcome back, ${user.username}</h1>`;
  }
}
