import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthenticationGuard } from '@lattice/security';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootSecurityApp, type Platform, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const sqlite = () =>
  `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-security-')), 'db.sqlite')}`;

@Controller('guarded')
class GuardController {
  /** Not @Public(): open only when the global guard is off. */
  @Get('plain')
  plain() {
    return { ok: true };
  }

  /** Guarded by hand, as an app with `globalGuard: false` does. */
  @UseGuards(AuthenticationGuard)
  @Get('explicit')
  explicit() {
    return { ok: true };
  }
}

describe.each<Platform>(['express', 'fastify'])('globalGuard on %s', (platform) => {
  const apps: SecurityApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map(({ app }) => app.close()));
  });
  const statuses = async (globalGuard: boolean | undefined, async: boolean) => {
    const server = await bootSecurityApp(
      platform,
      { DATABASE_URL: sqlite(), JWT_SECRET: SECRET },
      globalGuard === undefined ? {} : { globalGuard },
      {},
      { controllers: [GuardController], async },
    );
    apps.push(server);
    return Promise.all(
      ['/guarded/plain', '/guarded/explicit'].map(
        async (path) => (await fetch(`${server.url}${path}`)).status,
      ),
    );
  };

  it.each([false, true])('is honoured from forRootAsync (%s) as from forRoot', async (async) => {
    expect(await statuses(undefined, async)).toEqual([401, 401]);
    expect(await statuses(false, async)).toEqual([200, 401]);
  });
});
