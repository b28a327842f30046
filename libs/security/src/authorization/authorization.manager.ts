import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { ResourceOwnerResolver } from '../decorators/resource-owners.decorator';
import {
  ANY_ACTION,
  ANY_SUBJECT,
  RESOURCE_OWNERS_METADATA,
  SECURITY_MODULE_OPTIONS,
} from '../security.constants';
import type { PermissionRule } from '../security.interfaces';
import { SecurityMessages } from '../security.messages';
import type { ResolvedSecurityOptions } from '../security.options';
import { RoleHierarchy } from './role-hierarchy';

/** Anyone with roles: an `AuthUser`, or a socket identity made from one. */
export interface Principal {
  id: string;
  roles: readonly string[];
}

interface Permission {
  action: string;
  subject: string;
  own: boolean;
}

/**
 * `allow`: the user may; `deny`: they may not; `owner`: they may only if they own the resource.
 */
export type Decision = 'allow' | 'deny' | 'owner';

/**
 * Roles with a hierarchy, permissions per role (`update:question`, `update:question:own`,
 * `manage:all`) and ownership through `@ResourceOwners` providers. The guard uses it for
 * `@Roles` and `@Can`; services and socket handlers call `can`/`assert` directly.
 */
@Injectable()
export class AuthorizationManager implements OnModuleInit {
  private readonly logger = new Logger('Security');
  readonly hierarchy: RoleHierarchy;
  private readonly permissions = new Map<string, Permission[]>();
  private readonly owners = new Map<string, { name: string; resolver: ResourceOwnerResolver }>();

  constructor(
    @Inject(SECURITY_MODULE_OPTIONS) options: ResolvedSecurityOptions,
    private readonly discovery: DiscoveryService,
  ) {
    this.hierarchy = new RoleHierarchy(options.authorization.roles);
    for (const [role, rules] of Object.entries(options.authorization.permissions))
      this.permissions.set(
        role,
        rules.map((rule) => parseRule(role, rule)),
      );
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!metatype || typeof metatype !== 'function') continue;
      const subject = Reflect.getMetadata(RESOURCE_OWNERS_METADATA, metatype) as string | undefined;
      if (!subject) continue;
      if (!wrapper.isDependencyTreeStatic() || !instance) {
        this.logger.warn(
          `@ResourceOwners('${subject}') provider ${metatype.name} is request-scoped, so it is skipped. Make it a singleton.`,
        );
        continue;
      }
      const existing = this.owners.get(subject);
      if (existing) throw SecurityMessages.duplicateOwners(subject, existing.name, metatype.name);
      this.owners.set(subject, {
        name: metatype.name,
        resolver: instance as ResourceOwnerResolver,
      });
    }
  }

  /** True when the user holds one of the roles, or a role that includes one. */
  hasRole(user: Principal, ...roles: string[]): boolean {
    const held = this.hierarchy.effective(user.roles);
    return roles.some((role) => held.has(role));
  }

  /** What the user's roles allow, before ownership is known. */
  decide(user: Principal, action: string, subject: string): Decision {
    let decision: Decision = 'deny';
    for (const role of this.hierarchy.effective(user.roles)) {
      for (const rule of this.permissions.get(role) ?? []) {
        if (rule.action !== action && rule.action !== ANY_ACTION) continue;
        if (rule.subject !== subject && rule.subject !== ANY_SUBJECT) continue;
        if (!rule.own) return 'allow';
        decision = 'owner';
      }
    }
    return decision;
  }

  /**
   * May the user do it? Pass `{ ownerId }` when you have the resource, or `{ id }` to let the
   * subject's `@ResourceOwners` provider look the owner up.
   */
  async can(
    user: Principal | null | undefined,
    action: string,
    subject: string,
    resource?: { ownerId?: unknown; id?: unknown },
  ): Promise<boolean> {
    if (!user) return false;
    const decision = this.decide(user, action, subject);
    if (decision !== 'owner') return decision === 'allow';
    if (resource === undefined) return false;
    const ownerId =
      resource.ownerId !== undefined
        ? resource.ownerId
        : resource.id === undefined || resource.id === null
          ? undefined
          : await this.ownerOf(subject, String(resource.id));
    return ownerId !== undefined && ownerId !== null && String(ownerId) === user.id;
  }

  /** Like `can`, but throws `AccessDeniedError` (403) with a message that says what is missing. */
  async assert(
    user: Principal | null | undefined,
    action: string,
    subject: string,
    resource?: { ownerId?: unknown; id?: unknown },
  ): Promise<void> {
    if (await this.can(user, action, subject, resource)) return;
    if (user && this.decide(user, action, subject) === 'owner')
      throw SecurityMessages.notOwner(action, subject);
    throw SecurityMessages.permissionMissing(action, subject);
  }

  /** Asks the subject's `@ResourceOwners` provider; throws at once if there is none. */
  async ownerOf(subject: string, id: string): Promise<string | number | null | undefined> {
    const owners = this.owners.get(subject);
    if (!owners) throw SecurityMessages.ownersMissing(subject, [...this.owners.keys()]);
    return owners.resolver.ownerOf(id);
  }
}

function parseRule(role: string, rule: PermissionRule): Permission {
  if (
    typeof rule === 'object' &&
    rule &&
    typeof rule.action === 'string' &&
    typeof rule.subject === 'string'
  )
    return { action: rule.action, subject: rule.subject, own: rule.own === true };
  if (typeof rule === 'string') {
    const parts = rule.split(':');
    if ((parts.length === 2 || (parts.length === 3 && parts[2] === 'own')) && parts[0] && parts[1])
      return { action: parts[0], subject: parts[1], own: parts.length === 3 };
  }
  throw SecurityMessages.permissionInvalid(role, rule);
}
