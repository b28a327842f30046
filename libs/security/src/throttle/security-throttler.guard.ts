import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { clientIp, type HttpRequestLike } from '../http/cookies';
import { SECURITY_MODULE_OPTIONS } from '../security.constants';
import type { AuthUser } from '../security.interfaces';
import type { ResolvedSecurityOptions } from '../security.options';

/**
 * `@nestjs/throttler`'s guard as `SecurityModule` runs it: after authentication (so `user` rules
 * count the logged-in user) and before authorization; only on HTTP routes (WebSockets have their
 * own limits); off unless the module's `rateLimit` option is set.
 */
@Injectable()
export class SecurityThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(SECURITY_MODULE_OPTIONS) private readonly security: ResolvedSecurityOptions,
  ) {
    super(options, storage, reflector);
  }

  override async onModuleInit(): Promise<void> {
    if (this.security.rateLimit) await super.onModuleInit();
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.security.rateLimit || context.getType() !== 'http';
  }

  /** The same address the login lockout counts (Express `req.ip`, Fastify `request.ip`). */
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return clientIp(request as unknown as HttpRequestLike);
  }
}

/** The throttler options `SecurityModule` gives the guard, from its `rateLimit` rules. */
export function throttlerOptionsFrom(security: ResolvedSecurityOptions): ThrottlerModuleOptions {
  const rules = security.rateLimit?.rules ?? [];
  return {
    throttlers: rules.map((rule) => ({
      name: rule.name,
      limit: rule.limit,
      ttl: rule.ttlMs,
      blockDuration: rule.blockMs,
      ...(rule.by === 'user'
        ? {
            // Anonymous requests are left to the `ip` rules.
            skipIf: (context: ExecutionContext) => !userOf(context),
            getTracker: (_request: Record<string, unknown>, context: ExecutionContext) =>
              `user:${userOf(context)!.id}`,
          }
        : {}),
    })),
  };
}

function userOf(context: ExecutionContext): AuthUser | undefined {
  return context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
}
