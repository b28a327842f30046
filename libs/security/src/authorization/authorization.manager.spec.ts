import { LatticeError } from '@lattice/core';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector, type DiscoveryService } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import { Can } from '../decorators/can.decorator';
import { ResourceOwners } from '../decorators/resource-owners.decorator';
import { Roles } from '../decorators/roles.decorator';
import type { AuthorizationOptions } from '../security.interfaces';
import type { ResolvedSecurityOptions } from '../security.options';
import { AuthorizationGuard } from './authorization.guard';
import { AuthorizationManager } from './authorization.manager';
import type { SessionRevocations } from '../sessions/session-revocations';

@ResourceOwners('question')
class QuestionOwners {
  ownerOf(id: string) {
    return id === '7' ? 42 : null;
  }
}

function manager(authorization: AuthorizationOptions = {}, providers: object[] = []) {
  const options = {
    authorization: {
      roles: authorization.roles ?? { member: [], moderator: ['member'], admin: ['moderator'] },
      permissions: authorization.permissions ?? {
        member: ['update:question:own', { action: 'read', subject: 'question' }],
        moderator: ['update:question'],
        admin: ['manage:all'],
      },
    },
  } as ResolvedSecurityOptions;
  const discovery = {
    getProviders: () =>
      providers.map((instance) => ({
        instance,
        metatype: instance.constructor,
        isDependencyTreeStatic: () => true,
      })),
  } as unknown as DiscoveryService;
  const result = new AuthorizationManager(options, discovery);
  result.onModuleInit();
  return result;
}

const member = { id: '42', roles: ['member'] };
const stranger = { id: '9', roles: ['member'] };
const moderator = { id: '5', roles: ['moderator'] };
const admin = { id: '1', roles: ['admin'] };

/** The guard asks only `isRevoked` (a unit test of the guard's logic, not of the set). */
const ended = new Set(['s-ended']);
const revocations = {
  isRevoked: (id: string) => ended.has(id),
} as unknown as SessionRevocations;

describe('AuthorizationManager', () => {
  it('expands the role hierarchy: admin includes moderator includes member', () => {
    const authz = manager();
    expect(authz.hasRole(admin, 'member')).toBe(true);
    expect(authz.hasRole(moderator, 'admin')).toBe(false);
    expect([...authz.hierarchy.effective(['admin'])].sort()).toEqual([
      'admin',
      'member',
      'moderator',
    ]);
  });

  it('decides by permission, ownership and the manage/all wildcards', async () => {
    const authz = manager({}, [new QuestionOwners()]);
    expect(authz.decide(member, 'update', 'question')).toBe('owner');
    expect(authz.decide(moderator, 'update', 'question')).toBe('allow');
    expect(authz.decide(member, 'delete', 'question')).toBe('deny');
    expect(authz.decide(admin, 'delete', 'anything')).toBe('allow');
    expect(await authz.can(member, 'update', 'question', { ownerId: 42 })).toBe(true);
    expect(await authz.can(stranger, 'update', 'question', { ownerId: 42 })).toBe(false);
    expect(await authz.can(member, 'update', 'question', { id: '7' })).toBe(true);
    expect(await authz.can(stranger, 'update', 'question', { id: '7' })).toBe(false);
    expect(await authz.can(member, 'update', 'question', { id: 'missing' })).toBe(false);
    expect(await authz.can(member, 'update', 'question')).toBe(false);
    expect(await authz.can(null, 'read', 'question')).toBe(false);
    await expect(authz.assert(stranger, 'update', 'question', { id: '7' })).rejects.toMatchObject({
      message: 'You may update only your own question.',
    });
  });

  it('refuses a cycle, an unknown included role, a malformed rule and a missing owner provider', async () => {
    const codeOf = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return (error as LatticeError).code;
      }
    };
    expect(codeOf(() => manager({ roles: { a: ['b'], b: ['a'] } }))).toBe(
      'LATTICE_SECURITY_ROLE_CYCLE',
    );
    expect(codeOf(() => manager({ roles: { admin: ['moderater'], moderator: [] } }))).toBe(
      'LATTICE_SECURITY_ROLE_UNKNOWN',
    );
    expect(codeOf(() => manager({ permissions: { member: ['update'] } }))).toBe(
      'LATTICE_SECURITY_PERMISSION_INVALID',
    );
    const error = await manager()
      .can(member, 'update', 'question', { id: '7' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LatticeError);
    expect((error as LatticeError).describe()).toContain("@ResourceOwners('question')");
  });
});

describe('AuthorizationGuard on WebSocket handlers', () => {
  class Gateway {
    @Roles('moderator')
    moderate() {}

    @Can('update', 'question', { id: 'questionId' })
    edit() {}
  }

  const context = (handler: keyof Gateway, client: object, data: object = {}) =>
    ({
      getType: () => 'ws',
      getHandler: () => Gateway.prototype[handler],
      getClass: () => Gateway,
      switchToWs: () => ({ getClient: () => client, getData: () => data }),
    }) as unknown as ExecutionContext;

  const guard = new AuthorizationGuard(
    new Reflector(),
    manager({}, [new QuestionOwners()]),
    revocations,
  );

  it('reads the user from client.identity or client.user and answers WsException', async () => {
    expect(await guard.canActivate(context('moderate', { identity: moderator }))).toBe(true);
    expect(await guard.canActivate(context('moderate', { user: admin }))).toBe(true);
    await expect(
      guard.canActivate(context('moderate', { identity: member })),
    ).rejects.toBeInstanceOf(WsException);
    await expect(guard.canActivate(context('moderate', {}))).rejects.toBeInstanceOf(WsException);
  });

  it('finds the resource id in the message payload', async () => {
    expect(
      await guard.canActivate(context('edit', { identity: member }, { questionId: '7' })),
    ).toBe(true);
    await expect(
      guard.canActivate(context('edit', { identity: stranger }, { questionId: '7' })),
    ).rejects.toBeInstanceOf(WsException);
  });

  it('refuses a socket identity whose access token has expired, whatever its roles', async () => {
    const expired = { ...admin, expiresAt: Date.now() - 1 };
    await expect(
      guard.canActivate(context('moderate', { identity: expired })),
    ).rejects.toMatchObject({ error: { code: 'LATTICE_SECURITY_TOKEN_EXPIRED' } });
    const fresh = { ...moderator, expiresAt: Date.now() + 60_000 };
    expect(await guard.canActivate(context('moderate', { identity: fresh }))).toBe(true);
  });
});

describe('AuthorizationGuard as the HANDLER_GUARD of live event handlers', () => {
  class Panel {
    @Roles('moderator')
    moderate() {}

    @Can('update', 'question', { id: 'questionId' })
    edit() {}

    open() {}
  }
  const guard = new AuthorizationGuard(
    new Reflector(),
    manager({}, [new QuestionOwners()]),
    revocations,
  );
  const call = (handler: keyof Panel, identity: unknown, payload: object = {}) =>
    guard.check({ type: Panel, handler: Panel.prototype[handler], identity, payload });

  it('throws the HTTP exception itself (401, 403), not a WsException', async () => {
    await expect(call('moderate', moderator)).resolves.toBeUndefined();
    await expect(call('moderate', member)).rejects.toMatchObject({
      status: 403,
      response: { code: 'LATTICE_SECURITY_FORBIDDEN' },
    });
    await expect(call('moderate', null)).rejects.toMatchObject({ status: 401 });
    await expect(call('open', null)).resolves.toBeUndefined();
  });

  it('refuses an identity whose session was ended since it connected (401)', async () => {
    await expect(call('moderate', { ...moderator, sessionId: 's-open' })).resolves.toBeUndefined();
    await expect(call('moderate', { ...moderator, sessionId: 's-ended' })).rejects.toMatchObject({
      status: 401,
      response: { code: 'LATTICE_SECURITY_SESSION_REVOKED' },
    });
  });

  it('finds the resource id in the event payload', async () => {
    await expect(call('edit', member, { questionId: '7' })).resolves.toBeUndefined();
    await expect(call('edit', stranger, { questionId: '7' })).rejects.toMatchObject({
      status: 403,
    });
  });
});
