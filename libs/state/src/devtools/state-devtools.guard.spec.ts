import { HANDLER_GUARD, LatticeModule, ROLES_METADATA, type GuardedCall } from '@lattice/core';
import { ForbiddenException, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StateModule } from '../state.module';

const lattice = LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false });

/** The inspector as an HTTP app, with or without an authorization hook. */
async function inspector(
  devtools: true | 'open',
  authorization?: { check(call: GuardedCall): Promise<void> },
): Promise<{ app: INestApplication; url: string }> {
  // As SecurityModule does: a global module exports the hook.
  const hook: DynamicModule = {
    module: class AuthorizationHookModule {},
    global: true,
    providers: [{ provide: HANDLER_GUARD, useValue: authorization }],
    exports: [HANDLER_GUARD],
  };
  const moduleRef = await Test.createTestingModule({
    imports: [lattice, StateModule.forRoot({ devtools }), ...(authorization ? [hook] : [])],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('StateDevtoolsGuard', () => {
  it('refuses everyone without an authorization library, saying how to open it', async () => {
    const { app, url } = await inspector(true);
    try {
      const response = await fetch(`${url}/lattice/state/counter:1`);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        code: 'LATTICE_STATE_DEVTOOLS_CLOSED',
        message: expect.stringContaining('devtools: "open"'),
      });
    } finally {
      await app.close();
    }
  });

  it('asks the authorization hook for the admin role, and answers its refusal', async () => {
    const calls: GuardedCall[] = [];
    const { app, url } = await inspector(true, {
      check: async (call) => {
        calls.push(call);
        throw new ForbiddenException('This needs the role "admin".');
      },
    });
    try {
      const response = await fetch(`${url}/lattice/state/counter:1`);
      expect(response.status).toBe(403);
      expect(calls).toHaveLength(1);
      expect(Reflect.getMetadata(ROLES_METADATA, calls[0].handler)).toEqual(['admin']);
    } finally {
      await app.close();
    }
  });

  it("lets through with devtools: 'open', without asking", async () => {
    const { app, url } = await inspector('open');
    try {
      // The route ran (an unknown definition is its own 400), not the guard's 403.
      const response = await fetch(`${url}/lattice/state/counter:1`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'LATTICE_STATE_DEFINITION_UNKNOWN' });
    } finally {
      await app.close();
    }
  });
});
