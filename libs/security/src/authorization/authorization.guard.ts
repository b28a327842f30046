import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  Optional,
} from '@nestjs/common';
import type { GuardedCall, HandlerGuard } from '@lattice/core';
import { AuditLog } from '../audit/audit-log';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { WsException } from '@nestjs/websockets';
import type { CanRequirement } from '../decorators/can.decorator';
import { CAN_METADATA, ROLES_METADATA } from '../security.constants';
import { SecurityMessages } from '../security.messages';
import { SessionRevocations } from '../sessions/session-revocations';
import { AuthorizationManager, type Principal } from './authorization.manager';

/**
 * Checks `@Roles()` and `@Can()` on HTTP routes, on WebSocket message handlers (registered
 * globally by `SecurityModule`, after the authentication guard) and, as core's `HANDLER_GUARD`,
 * on live components' `@On()` event handlers. The user is `request.user` for HTTP, and
 * `client.user` or `client.identity` for WebSocket and live events (`SecureSocketAuthenticator`
 * identities carry the roles; one whose access token has expired, or whose session was ended, is
 * refused with 401). Handlers
 * without either decorator are not checked here.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate, HandlerGuard {
  constructor(
    private readonly reflector: Reflector,
    private readonly authorization: AuthorizationManager,
    private readonly revocations: SessionRevocations,
    @Optional() private readonly audit?: AuditLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      await this.authorize(context);
      return true;
    } catch (error) {
      // Gateways answer WsException; an HttpException there would become "Internal server error".
      if (context.getType() === 'ws' && error instanceof HttpException)
        throw new WsException(error.getResponse() as object);
      throw error;
    }
  }

  /**
   * A live event handler's call, judged as a WebSocket message: the identity is the client's, the
   * payload is the message (so `{ id: 'field' }` names a field of the event's payload). Throws the
   * 401 or 403 itself, which the socket answers as an error frame (`http_403` and the reason).
   */
  async check(call: GuardedCall): Promise<void> {
    const context = new ExecutionContextHost(
      [{ identity: call.identity }, call.payload],
      call.type,
      call.handler as (...args: unknown[]) => unknown,
    );
    context.setType('ws');
    await this.authorize(context);
  }

  /** Throws 401 without a (live) user, 403 without the role or permission; records denials. */
  private async authorize(context: ExecutionContext): Promise<void> {
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_METADATA, targets);
    const requirements = targets.flatMap(
      (target) => (Reflect.getMetadata(CAN_METADATA, target) as CanRequirement[] | undefined) ?? [],
    );
    if (!roles?.length && requirements.length === 0) return;
    try {
      await this.requireAccess(context, roles ?? [], requirements);
    } catch (error) {
      if (error instanceof ForbiddenException)
        await this.audit?.recordQuietly({
          type: 'access.denied',
          actorId: principalOf(context)?.id ?? null,
          subject: handlerName(context),
          data: { reason: (error.getResponse() as { message?: string }).message },
        });
      throw error;
    }
  }

  private async requireAccess(
    context: ExecutionContext,
    roles: string[],
    requirements: CanRequirement[],
  ): Promise<void> {
    const user = principalOf(context);
    if (!user)
      throw expired(context) ? SecurityMessages.tokenExpired() : SecurityMessages.tokenMissing();
    // A socket identity outlives its token check: its session may have ended since (HTTP users
    // were checked by the authentication guard on this very request).
    const sessionId = (user as { sessionId?: unknown }).sessionId;
    if (typeof sessionId === 'string' && this.revocations.isRevoked(sessionId))
      throw SecurityMessages.sessionRevoked();
    if (roles.length && !this.authorization.hasRole(user, ...roles))
      throw SecurityMessages.roleMissing(roles);
    for (const requirement of requirements) {
      const { action, subject } = requirement;
      const decision = this.authorization.decide(user, action, subject);
      if (decision === 'allow') continue;
      if (decision === 'deny') throw SecurityMessages.permissionMissing(action, subject);
      if (requirement.id === undefined)
        throw SecurityMessages.ownerIdMissing(action, subject, handlerName(context));
      const id = resourceId(context, requirement.id);
      if (!(await this.authorization.can(user, action, subject, { id })))
        throw SecurityMessages.notOwner(action, subject);
    }
  }
}

/** The user, when known and (for a socket identity) its access token has not expired. */
function principalOf(context: ExecutionContext): Principal | undefined {
  const holder = holderOf(context);
  return holder &&
    typeof holder.id === 'string' &&
    Array.isArray(holder.roles) &&
    !(typeof holder.expiresAt === 'number' && holder.expiresAt <= Date.now())
    ? holder
    : undefined;
}

function holderOf(context: ExecutionContext): (Principal & { expiresAt?: unknown }) | undefined {
  const type = context.getType();
  if (type === 'http') return context.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (type !== 'ws') return undefined;
  const client = context.switchToWs().getClient<{ user?: Principal; identity?: Principal }>();
  return client?.user ?? client?.identity;
}

/** A socket identity whose access token expired (as `ChannelAccess`, a 401 that says so). */
function expired(context: ExecutionContext): boolean {
  const expiresAt = holderOf(context)?.expiresAt;
  return typeof expiresAt === 'number' && expiresAt <= Date.now();
}

function resourceId(context: ExecutionContext, id: NonNullable<CanRequirement['id']>): unknown {
  if (typeof id === 'function') return id(context);
  if (context.getType() === 'http')
    return context.switchToHttp().getRequest<{ params?: Record<string, unknown> }>().params?.[id];
  const data = context.switchToWs().getData<Record<string, unknown> | undefined>();
  return data && typeof data === 'object' ? data[id] : undefined;
}

function handlerName(context: ExecutionContext): string {
  return `${context.getClass().name}.${context.getHandler().name}`;
}
