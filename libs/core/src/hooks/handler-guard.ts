import type { Type } from '@nestjs/common';

/**
 * The guard hook for handlers that are neither Nest routes nor gateway messages, such as a live
 * component's `@On()` event handlers: an authorization library provides it (@lattice/security's
 * `AuthorizationGuard` does), a library that runs such handlers asks it before each call. It
 * lives in core so that neither library imports the other.
 */
export const HANDLER_GUARD = Symbol('lattice:handler-guard');

/** One call about to run: who calls which handler with what. */
export interface GuardedCall {
  /** The class that declares the handler. */
  type: Type<unknown>;
  /** The handler as declared (its decorators' metadata is read from it). */
  handler: (...args: never[]) => unknown;
  /** Who calls: the connection's identity (the socket authenticator's), or null when anonymous. */
  identity: unknown;
  /** The validated payload; ownership rules read the resource's id from it. */
  payload: unknown;
}

export interface HandlerGuard {
  /** Resolves when the call may run; otherwise throws the error to answer (a 401 or a 403). */
  check(call: GuardedCall): Promise<void>;
}

/**
 * Metadata of `@Roles()` and `@Can()` (@lattice/security's decorators). In core so a library that
 * runs handlers can tell a guarded handler from an open one without importing the security
 * library, and refuse to run guarded handlers when no `HANDLER_GUARD` is provided.
 */
export const ROLES_METADATA = 'lattice:security:roles';
export const CAN_METADATA = 'lattice:security:can';

/** Whether `handler` (or its class) carries `@Roles()` or `@Can()`. */
export function hasAccessRules(type: Type<unknown>, handler: object): boolean {
  return [ROLES_METADATA, CAN_METADATA].some(
    (key) => Reflect.hasMetadata(key, handler) || Reflect.hasMetadata(key, type),
  );
}
