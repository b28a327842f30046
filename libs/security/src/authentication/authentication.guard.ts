import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HttpRequestLike } from '../http/cookies';
import { PUBLIC_METADATA } from '../security.constants';
import { SecurityMessages } from '../security.messages';
import { AuthenticationManager } from './authentication.manager';

/**
 * Registered globally by `SecurityModule` (unless `globalGuard: false`): every HTTP route needs a
 * valid access token (bearer header or cookie) unless it is `@Public()`. Sets `request.user`.
 * Works the same on Express and Fastify. Other contexts (WebSocket, RPC) are left to their own
 * guards: the socket connection is authenticated by `SecureSocketAuthenticator`.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationManager,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) {
      // A stale or forged token on a public page is ignored, not an error.
      request.user = await this.authentication.authenticate(request).catch(() => undefined);
      return true;
    }
    const user = await this.authentication.authenticate(request);
    if (!user) throw SecurityMessages.tokenMissing();
    request.user = user;
    return true;
  }
}
