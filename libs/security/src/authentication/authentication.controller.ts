import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  type Type,
} from '@nestjs/common';
import { CurrentUser } from '../decorators/current-user.decorator';
import { Public } from '../decorators/public.decorator';
import { Roles } from '../decorators/roles.decorator';
import { LoginLockedError } from '../errors/login-locked.error';
import {
  appendSetCookie,
  serializeCookie,
  type HttpRequestLike,
  type HttpResponseLike,
} from '../http/cookies';
import { SECURITY_MODULE_OPTIONS, SECURITY_USER_STORE } from '../security.constants';
import type { AuthUser } from '../security.interfaces';
import { SecurityMessages } from '../security.messages';
import type { ResolvedSecurityOptions } from '../security.options';
import type { SecurityUserStore } from '../stores/user-store.interface';
import { AuthenticationManager, type IssuedTokens } from './authentication.manager';

type Delivery = 'cookie' | 'bearer';

/**
 * The routes of `SecurityModule`, under the configured prefix. Pages get HttpOnly cookies;
 * API clients send `"delivery": "bearer"` (or their refresh token in the body) and get the
 * tokens in the response instead, with no cookies.
 */
export function createAuthenticationController(prefix: string): Type {
  const refreshPath = `/${prefix.replace(/^\/+|\/+$/g, '')}`;

  @Controller(prefix)
  class AuthenticationController {
    constructor(
      private readonly authentication: AuthenticationManager,
      @Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions,
      @Inject(SECURITY_USER_STORE) private readonly users: SecurityUserStore,
    ) {}

    @Public()
    @Post('register')
    async register(@Body() body: unknown, @Res({ passthrough: true }) response: HttpResponseLike) {
      return this.deliver(await this.authentication.register(body), deliveryOf(body), response);
    }

    @Public()
    @Post('login')
    @HttpCode(200)
    async login(
      @Body() body: unknown,
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: HttpResponseLike,
    ) {
      try {
        const tokens = await this.authentication.login(body, this.authentication.clientIp(request));
        return this.deliver(tokens, deliveryOf(body), response);
      } catch (error) {
        if (error instanceof LoginLockedError)
          setHeader(response, 'Retry-After', String(error.retryAfterSeconds));
        throw error;
      }
    }

    @Public()
    @Post('refresh')
    @HttpCode(200)
    async refresh(
      @Req() request: HttpRequestLike,
      @Res({ passthrough: true }) response: HttpResponseLike,
    ) {
      const fromBody =
        typeof (request.body as { refreshToken?: unknown })?.refreshToken === 'string';
      const token = this.authentication.refreshTokenOf(request);
      if (!token) throw SecurityMessages.refreshInvalid();
      try {
        const tokens = await this.authentication.refresh(token);
        return this.deliver(tokens, fromBody ? 'bearer' : 'cookie', response);
      } catch (error) {
        if (!fromBody) this.clearCookies(response);
        throw error;
      }
    }

    /** Ends the session of the refresh token (or of the access token) and clears the cookies. */
    @Public()
    @Post('logout')
    @HttpCode(204)
    async logout(
      @Req() request: HttpRequestLike & { user?: AuthUser },
      @Res({ passthrough: true }) response: HttpResponseLike,
    ): Promise<void> {
      const refresh = this.authentication.refreshTokenOf(request);
      if (refresh) await this.authentication.logoutByRefreshToken(refresh);
      if (request.user) await this.authentication.logout(request.user.sessionId, request.user.id);
      this.clearCookies(response);
    }

    /** "Log out everywhere": ends every session of the user, this one too, and clears the cookies. */
    @Post('logout-all')
    @HttpCode(200)
    async logoutAll(
      @CurrentUser() user: AuthUser,
      @Res({ passthrough: true }) response: HttpResponseLike,
    ): Promise<{ sessions: number }> {
      const sessions = await this.authentication.logoutEverywhere(user.id);
      this.clearCookies(response);
      return { sessions };
    }

    /** An administrator ends every session of a user (a stolen account, a departure). */
    @Roles('admin')
    @Post('users/:id/logout-all')
    @HttpCode(200)
    async endSessionsOf(
      @Param('id') id: string,
      @CurrentUser() admin: AuthUser,
    ): Promise<{ sessions: number }> {
      if (id.length > 64 || !(await this.users.findById(id)))
        throw new NotFoundException(
          `No user with id "${id.slice(0, 64)}"; check the id (GET ${refreshPath}/me shows yours).`,
        );
      return { sessions: await this.authentication.logoutEverywhere(id, admin.id) };
    }

    @Get('me')
    me(@CurrentUser() user: AuthUser) {
      return { id: user.id, username: user.username, roles: user.roles };
    }

    private deliver(tokens: IssuedTokens, delivery: Delivery, response: HttpResponseLike) {
      if (delivery === 'bearer') {
        return {
          user: tokens.user,
          tokenType: 'Bearer',
          accessToken: tokens.accessToken,
          expiresIn: tokens.expiresIn,
          refreshToken: tokens.refreshToken,
        };
      }
      const { cookies, refreshTtlSeconds } = this.options;
      const common = { httpOnly: true, secure: cookies.secure, domain: cookies.domain };
      appendSetCookie(
        response,
        serializeCookie(cookies.accessName, tokens.accessToken, {
          ...common,
          path: '/',
          sameSite: cookies.sameSite,
          maxAgeSeconds: tokens.expiresIn,
        }),
      );
      appendSetCookie(
        response,
        serializeCookie(cookies.refreshName, tokens.refreshToken, {
          ...common,
          path: refreshPath,
          sameSite: 'Strict',
          maxAgeSeconds: refreshTtlSeconds,
        }),
      );
      return { user: tokens.user, expiresIn: tokens.expiresIn };
    }

    private clearCookies(response: HttpResponseLike): void {
      const { cookies } = this.options;
      const common = {
        httpOnly: true,
        secure: cookies.secure,
        domain: cookies.domain,
        maxAgeSeconds: 0,
      };
      appendSetCookie(
        response,
        serializeCookie(cookies.accessName, '', {
          ...common,
          path: '/',
          sameSite: cookies.sameSite,
        }),
      );
      appendSetCookie(
        response,
        serializeCookie(cookies.refreshName, '', {
          ...common,
          path: refreshPath,
          sameSite: 'Strict',
        }),
      );
    }
  }
  return AuthenticationController;
}

function deliveryOf(body: unknown): Delivery {
  return (body as { delivery?: unknown } | undefined)?.delivery === 'bearer' ? 'bearer' : 'cookie';
}

function setHeader(response: HttpResponseLike, name: string, value: string): void {
  const target = response as {
    setHeader?(n: string, v: string): void;
    header?(n: string, v: string): void;
  };
  if (typeof target.setHeader === 'function') target.setHeader(name, value);
  else target.header?.(name, value);
}
