import { SecurityMessages } from '../security.messages';

/** Roles and the roles each includes, expanded once at boot: `admin` → admin, moderator, member. */
export class RoleHierarchy {
  private readonly expanded = new Map<string, ReadonlySet<string>>();

  constructor(readonly includes: Record<string, string[]>) {
    for (const role of Object.keys(includes)) this.expanded.set(role, this.expand(role, []));
  }

  get roles(): string[] {
    return [...this.expanded.keys()];
  }

  /** The roles a user holds, with every role they include. Unknown roles count only as themselves. */
  effective(roles: readonly string[]): Set<string> {
    const result = new Set<string>();
    for (const role of roles) for (const r of this.expanded.get(role) ?? [role]) result.add(r);
    return result;
  }

  private expand(role: string, path: string[]): Set<string> {
    if (path.includes(role)) throw SecurityMessages.roleCycle([...path, role]);
    const result = new Set([role]);
    for (const included of this.includes[role] ?? []) {
      if (!(included in this.includes))
        throw SecurityMessages.roleUnknown(included, role, this.roles);
      for (const r of this.expand(included, [...path, role])) result.add(r);
    }
    return result;
  }
}
