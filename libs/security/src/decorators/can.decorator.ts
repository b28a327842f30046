import type { ExecutionContext } from '@nestjs/common';
import { CAN_METADATA } from '../security.constants';

export interface CanOptions {
  /**
   * Where the resource's id is, for rules that allow only the owner (`update:question:own`):
   * a route parameter name (HTTP) or a field of the message payload (WebSocket), or a function
   * of the execution context.
   */
  id?: string | ((context: ExecutionContext) => unknown);
}

export interface CanRequirement extends CanOptions {
  action: string;
  subject: string;
}

/**
 * The user needs the permission to do `action` to `subject`. With an ownership rule
 * (`update:question:own`) the guard asks the subject's `@ResourceOwners` provider who owns the
 * resource named by `id`. Several `@Can` on one handler must all hold.
 *
 * @example
 * @Patch(':id') @Can('update', 'question', { id: 'id' }) edit(@Param('id') id: string) { … }
 */
export function Can(action: string, subject: string, options: CanOptions = {}) {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = descriptor ? descriptor.value : target;
    const existing = (Reflect.getMetadata(CAN_METADATA, where) as CanRequirement[]) ?? [];
    Reflect.defineMetadata(CAN_METADATA, [...existing, { action, subject, ...options }], where);
    return descriptor ?? target;
  };
}
