import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  Optional,
} from '@nestjs/common';
import { AuditLog } from '../audit/audit-log';
import { Reflector } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import type { CanRequirement } from '../decorators/can.decorator';
import { CAN_METADATA, ROLES_METADATA } from '../security.constants';
import { SecurityMessages } from '../security.messages';
import { AuthorizationManager, type Principal } from './authorization.manager';

/**
 * Checks `@Roles()` and `@Can()` on HTTP routes and on WebSocket message handlers (registered
 * globally by `SecurityModule`, after the authentication guard). The user is `request.user` for
 * HTTP, and `client.user` or `client.identity` for WebSocket (`SecureSocketAuthenticator`
 * identities carry the roles). Handlers without either decorator are not checked here.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authorization: AuthorizationManager,
    @Optional() private readonly audit?: AuditLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_METADATA, targets);
    const requirements = targets.flatMap(
      (target) => (Reflect.getMetadata(CAN_METADATA, target) as CanRequirement[] | undefined) ?? [],
    );
    if (!roles?.length && requirements.length === 0) return true;
    try {
      await this.check(context, roles ?? [], requirements);
      return true;
    } catch (error) {
      if (error instanceof ForbiddenException)
        await this.audit?.recordQuietly({
          type: 'access.denied',
          actorId: principalOf(context)?.id ?? null,
          subject: handlerName(context),
          data: { reason: (error.getResponse() as { message?: string }).message },
        });
      // Gateways answer WsException; an HttpException there would become "Internal server error".
      if (context.getType() === 'ws' && error instanceof HttpException)
        throw new WsException(error.getResponse() as object);
      throw error;
    }
  }

  private async check(
    context: ExecutionContext,
    roles: string[],
    requirements: CanRequirement[],
  ): Promise<void> {
    const user = principalOf(context);
    if (!user) throw SecurityMessages.tokenMissing();
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

function principalOf(context: ExecutionContext): Principal | undefined {
  const type = context.getType();
  const holder =
    type === 'http'
      ? context.switchToHttp().getRequest<{ user?: Principal }>().user
      : type === 'ws'
        ? ((client: { user?: Principal; identity?: Principal }) =>
            client?.user ?? client?.identity)(context.switchToWs().getClient())
        : undefined;
  return holder && typeof holder.id === 'string' && Array.isArray(holder.roles)
    ? holder
    : undefined;
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
