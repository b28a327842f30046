import { LiveModule, LivePage } from '@lattice/live';
import {
  cspNonce,
  CsrfTokens,
  CurrentUser,
  Public,
  SkipCsrf,
  type AuthUser,
} from '@lattice/security';
import { SocketModule } from '@lattice/socket';
import { DatabaseModule } from '@lattice/database';
import { All, Body, Controller, Delete, Get, Param, Post, Req, Res } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, type Repository } from 'typeorm';
import { Counter } from '../live/fixtures/components';
import { bootSecurityApp, type Platform, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';

@Entity('csrf_memos')
class Memo {
  @PrimaryGeneratedColumn() id: number;
  @Column() text: string;
  @Column() owner: string;
}

@Controller()
class MemosController {
  constructor(
    @InjectRepository(Memo) private readonly memos: Repository<Memo>,
    private readonly csrf: CsrfTokens,
  ) {}

  /** A page with a form: the token for its hidden field. */
  @Get('form')
  async form(@Req() request: unknown, @Res({ passthrough: true }) response: unknown) {
    return { token: await this.csrf.token(request, response) };
  }

  @Post('memos')
  create(@Body() body: { text?: string }, @CurrentUser() user: AuthUser) {
    return this.memos.save({ text: String(body.text ?? ''), owner: user.id });
  }

  @Delete('memos/:id')
  async remove(@Param('id') id: string) {
    await this.memos.delete(+id);
    return { deleted: +id };
  }

  /** A handler any method reaches, GET included (what a `<a href>` or `<img src>` would hit). */
  @All('memos/:id/purge')
  async purge(@Param('id') id: string) {
    await this.memos.delete(+id);
    return { purged: +id };
  }

  /** Authenticated by its own signature, not by cookies. */
  @Public()
  @SkipCsrf()
  @Post('webhook')
  async webhook(@Body() body: { text?: string }) {
    return this.memos.save({ text: String(body.text ?? ''), owner: 'webhook' });
  }

  @Public()
  @Get('nonce')
  nonce(@Req() request: unknown) {
    return { nonce: cspNonce(request) };
  }

  @Get('counter')
  @LivePage('counter', { title: 'Count' })
  counter() {
    return { start: 3 };
  }
}

/** Name=value pairs from Set-Cookie headers, for the next request's Cookie header. */
const cookiesFrom = (response: Response): Record<string, string> =>
  Object.fromEntries(
    response.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0];
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

describe.each(['express', 'fastify'] as Platform[])('CSRF protection on %s', (platform) => {
  let server: SecurityApp;
  let url: string;
  let host: string;
  let memos: Repository<Memo>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-csrf-'));
    server = await bootSecurityApp(
      platform,
      { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, JWT_SECRET: SECRET },
      { passwords: { memoryCost: 19456, timeCost: 2 } },
      {},
      {
        controllers: [MemosController],
        providers: [Counter],
        imports: [
          DatabaseModule.forFeature([Memo]),
          SocketModule.forRoot(),
          LiveModule.forRoot({ secret: 'a-test-secret-that-is-long-enough-0123456789' }),
        ],
        websockets: true,
      },
    );
    url = server.url;
    host = new URL(url).host;
    memos = server.app.get(DataSource).getRepository(Memo);
  });
  afterAll(() => server?.app.close());

  /** A logged-in browser: its cookies (access, refresh, CSRF) and the token its pages carry. */
  async function browser() {
    const register = await fetch(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: `csrf-${randomUUID().slice(0, 8)}`,
        password: 'correct horse battery',
      }),
    });
    expect(register.status).toBe(201);
    const cookies = cookiesFrom(register);
    const form = await fetch(`${url}/form`, { headers: { cookie: cookieHeader(cookies) } });
    expect(form.status).toBe(200);
    const { token } = (await form.json()) as { token: string };
    Object.assign(cookies, cookiesFrom(form));
    return { cookies, token, user: ((await register.json()) as { user: { id: string } }).user };
  }

  /** A JSON POST from the browser; `headers` adds or overrides what it sends. */
  const postMemo = (
    cookies: Record<string, string>,
    headers: Record<string, string>,
    body: unknown = { text: 'hello' },
  ) =>
    fetch(`${url}/memos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookieHeader(cookies), ...headers },
      body: JSON.stringify(body),
    });

  async function expectRefused(response: Response, before: number, pattern: RegExp) {
    expect(response.status).toBe(403);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('LATTICE_SECURITY_CSRF');
    expect(body.message).toMatch(pattern);
    expect(await memos.count()).toBe(before);
  }

  it('sets the token cookie HttpOnly, Secure, SameSite=Strict, __Host-, and accepts the token in the header', async () => {
    const register = await fetch(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: `csrf-${randomUUID().slice(0, 8)}`,
        password: 'correct horse battery',
      }),
    });
    const form = await fetch(`${url}/form`, {
      headers: { cookie: cookieHeader(cookiesFrom(register)) },
    });
    const set = form.headers.getSetCookie().find((c) => c.startsWith('__Host-lattice_csrf='))!;
    expect(set).toMatch(/; Path=\/;/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/Secure/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).not.toMatch(/Domain=/);

    const { cookies, token, user } = await browser();
    const before = await memos.count();
    const ok = await postMemo(cookies, {
      'x-csrf-token': token,
      origin: `http://${host}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(ok.status).toBe(201);
    expect(await memos.count()).toBe(before + 1);
    expect(await memos.findOneByOrFail({ id: ((await ok.json()) as Memo).id })).toMatchObject({
      owner: user.id,
    });
  });

  it('accepts an HTML form post with the token in its _csrf field', async () => {
    const { cookies, token } = await browser();
    const before = await memos.count();
    const response = await fetch(`${url}/memos`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: cookieHeader(cookies),
        origin: `http://${host}`,
      },
      body: new URLSearchParams({ _csrf: token, text: 'from a form' }).toString(),
    });
    expect(response.status).toBe(201);
    expect(await memos.count()).toBe(before + 1);
  });

  it('refuses a request with the session cookie but no token, and changes nothing', async () => {
    const { cookies } = await browser();
    const before = await memos.count();
    await expectRefused(await postMemo(cookies, {}), before, /sends no CSRF token/);
    // Same site, no token: a same-origin page that forgot it is refused too.
    await expectRefused(
      await postMemo(cookies, { 'sec-fetch-site': 'same-origin' }),
      before,
      /no CSRF token/,
    );
  });

  it('refuses a token from another session, even with that session’s cookie planted', async () => {
    const victim = await browser();
    const attacker = await browser();
    const before = await memos.count();
    // The attacker's own valid pair, the victim's session: the token is bound to another session.
    await expectRefused(
      await postMemo(
        { ...victim.cookies, '__Host-lattice_csrf': attacker.cookies['__Host-lattice_csrf'] },
        { 'x-csrf-token': attacker.token },
      ),
      before,
      /another session/,
    );
    // The attacker's token with the victim's cookie: they do not match.
    await expectRefused(
      await postMemo(victim.cookies, { 'x-csrf-token': attacker.token }),
      before,
      /another session/,
    );
    // A changed token.
    await expectRefused(
      await postMemo(victim.cookies, {
        'x-csrf-token': victim.token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
      }),
      before,
      /another session/,
    );
  });

  it('refuses a cross-site origin, even with a valid token', async () => {
    const { cookies, token } = await browser();
    const before = await memos.count();
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `http://${host}.evil.example` },
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: `http://sub.${host}` },
    ]) {
      await expectRefused(
        await postMemo(cookies, { 'x-csrf-token': token, ...headers }),
        before,
        /another site|not this site/,
      );
    }
  });

  it('refuses a text/plain simple POST (what a cross-site <form enctype="text/plain"> sends)', async () => {
    const { cookies, token } = await browser();
    const before = await memos.count();
    const response = await fetch(`${url}/memos`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie: cookieHeader(cookies) },
      body: `_csrf=${token}\r\ntext=forged\r\n`,
    });
    await expectRefused(response, before, /no CSRF token/);
    // And from another site, as the browser would label it.
    const crossSite = await fetch(`${url}/memos`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        cookie: cookieHeader(cookies),
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body: `{"text":"forged","_csrf":"${token}"}`,
    });
    await expectRefused(crossSite, before, /another site/);
  });

  it('refuses a state change over GET (an @All handler) and over DELETE without a token', async () => {
    const { cookies, token, user } = await browser();
    const memo = await memos.save({ text: 'keep me', owner: user.id });
    const before = await memos.count();
    const get = (headers: Record<string, string>) =>
      fetch(`${url}/memos/${memo.id}/purge`, {
        headers: { cookie: cookieHeader(cookies), ...headers },
      });
    await expectRefused(await get({}), before, /no CSRF token/);
    await expectRefused(
      await get({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }),
      before,
      /another site/,
    );
    const remove = await fetch(`${url}/memos/${memo.id}`, {
      method: 'DELETE',
      headers: { cookie: cookieHeader(cookies) },
    });
    await expectRefused(remove, before, /no CSRF token/);
    expect(await memos.findOneBy({ id: memo.id })).not.toBeNull();

    // With the token the same handler runs: the refusals above were the check, not the route.
    const purged = await fetch(`${url}/memos/${memo.id}/purge`, {
      method: 'POST',
      headers: { cookie: cookieHeader(cookies), 'x-csrf-token': token },
    });
    expect(purged.status).toBe(200);
    expect(await memos.findOneBy({ id: memo.id })).toBeNull();
  });

  it('lets bearer-token requests through without a token: they carry no ambient credentials', async () => {
    const login = await fetch(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: `api-${randomUUID().slice(0, 8)}`,
        password: 'correct horse battery',
        delivery: 'bearer',
      }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const before = await memos.count();
    const response = await fetch(`${url}/memos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ text: 'from an API' }),
    });
    expect(response.status).toBe(201);
    expect(await memos.count()).toBe(before + 1);
  });

  it('needs no token when no valid access cookie authenticates the request (a refresh after expiry)', async () => {
    const { cookies } = await browser();
    // What a browser sends once the access cookie has expired: only the refresh cookie.
    const refresh = await fetch(`${url}/auth/refresh`, {
      method: 'POST',
      headers: {
        cookie: cookieHeader({ '__Secure-lattice_refresh': cookies['__Secure-lattice_refresh'] }),
      },
    });
    expect(refresh.status).toBe(200);
    // An expired or forged access cookie counts as none.
    const next = cookiesFrom(refresh);
    const forged = await fetch(`${url}/auth/refresh`, {
      method: 'POST',
      headers: {
        cookie: cookieHeader({
          '__Host-lattice_access': 'x.y.z',
          '__Secure-lattice_refresh': next['__Secure-lattice_refresh'],
        }),
      },
    });
    expect(forged.status).toBe(200);
    // A valid access cookie makes it a request of the session: the token is needed.
    const withAccess = await fetch(`${url}/auth/refresh`, {
      method: 'POST',
      headers: { cookie: cookieHeader(cookiesFrom(forged)) },
    });
    expect(withAccess.status).toBe(403);
  });

  it('checks the origin of anonymous posts (login CSRF) and skips @SkipCsrf routes', async () => {
    const username = `victim-${randomUUID().slice(0, 8)}`;
    const forged = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body: new URLSearchParams({ username, password: 'attacker password' }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { code: string }).code).toBe('LATTICE_SECURITY_CSRF');
    expect(forged.headers.getSetCookie()).toEqual([]);

    const before = await memos.count();
    const hook = await fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://payments.example' },
      body: JSON.stringify({ text: 'paid' }),
    });
    expect(hook.status).toBe(201);
    expect(await memos.count()).toBe(before + 1);
  });

  it('sends helmet’s headers and a per-request CSP nonce that cspNonce() reads', async () => {
    const [a, b] = await Promise.all([fetch(`${url}/nonce`), fetch(`${url}/nonce`)]);
    for (const response of [a, b]) {
      const { nonce } = (await response.clone().json()) as { nonce: string };
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(response.headers.get('content-security-policy')).toContain(
        `script-src 'self' 'nonce-${nonce}'`,
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    }
    expect(a.headers.get('content-security-policy')).not.toBe(
      b.headers.get('content-security-policy'),
    );
    // Refused requests carry them too.
    const refused = await fetch(`${url}/notes`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-security-policy')).toMatch(/'nonce-/);
  });

  it('gives @LivePage pages the session’s token in <meta name="csrf-token">, which a post can send back', async () => {
    const { cookies } = await browser();
    delete cookies['__Host-lattice_csrf'];
    const page = await fetch(`${url}/counter`, { headers: { cookie: cookieHeader(cookies) } });
    const html = await page.text();
    expect(html.split('<meta name="csrf-token"').length - 1).toBe(1);
    const token = /<meta name="csrf-token" content="([^"]+)">/.exec(html)![1];
    Object.assign(cookies, cookiesFrom(page));
    const before = await memos.count();
    const ok = await postMemo(cookies, { 'x-csrf-token': token });
    expect(ok.status).toBe(201);
    expect(await memos.count()).toBe(before + 1);
  });
});
