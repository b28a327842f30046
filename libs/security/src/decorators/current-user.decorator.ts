import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthUser } from '../security.interfaces';

/**
 * The authenticated user (`AuthUser`), or one of its fields: `@CurrentUser('id') id: string`.
 * `undefined` on a `@Public()` route without a token.
 */
export const CurrentUser = createParamDecorator(
  (field: keyof AuthUser | undefined, context: ExecutionContext) => {
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    return field ? user?.[field] : user;
  },
);
