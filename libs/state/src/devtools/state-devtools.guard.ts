import { HANDLER_GUARD, ROLES_METADATA, type HandlerGuard } from '@lattice/core';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  Optional,
  SetMetadata,
} from '@nestjs/common';
import { STATE_DEVTOOLS_ACCESS, type StateDevtoolsAccess } from './state-devtools.constants';

/** Carries the inspector's rule, `@Roles('admin')`, for the app's authorization guard to judge. */
class StateDevtoolsRule {
  @SetMetadata(ROLES_METADATA, ['admin'])
  inspect(): void {}
}

/**
 * The state inspector shows every stream's history (who voted, who wrote what): admins only, in
 * every environment, unless the app opts in with `devtools: 'open'`. The role is judged by the
 * app's authorization library (core's `HANDLER_GUARD`, @lattice/security's `AuthorizationGuard`);
 * without one the inspector refuses everyone rather than answer anyone.
 */
@Injectable()
export class StateDevtoolsGuard implements CanActivate {
  constructor(
    @Inject(STATE_DEVTOOLS_ACCESS) private readonly access: StateDevtoolsAccess,
    @Optional() @Inject(HANDLER_GUARD) private readonly authorization?: HandlerGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.access === 'open') return true;
    if (!this.authorization)
      throw new ForbiddenException({
        statusCode: 403,
        code: 'LATTICE_STATE_DEVTOOLS_CLOSED',
        message:
          'The state inspector needs the admin role, and no authorization library is installed to check it. Import SecurityModule, or open it on purpose with StateModule.forRoot({ devtools: "open" }).',
      });
    const request = context.switchToHttp().getRequest<{ user?: unknown }>();
    await this.authorization.check({
      type: StateDevtoolsRule,
      handler: StateDevtoolsRule.prototype.inspect,
      identity: request.user ?? null,
      payload: {},
    });
    return true;
  }
}
