import { LatticeModule } from '@lattice/core';
import { LiveModule, LiveRenderer } from '@lattice/live';
import { SocketModule, type SocketRequestError } from '@lattice/socket';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { Page } from '../../support/live-page';
import { waitFor } from '../../support/wait';
import {
  AnswerOwners,
  Board,
  BoardController,
  BoardPanel,
  FORUM_AUTHORIZATION,
  ModerationTopic,
  QuestionOwners,
} from './fixtures/forum-rules';
import { bootSecurityApp, type Platform, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const PASSWORD = 'correct horse battery';
type Who = 'anonymous' | 'member' | 'owner' | 'moderator' | 'admin';
const WHO: Who[] = ['anonymous', 'member', 'owner', 'moderator', 'admin'];

/**
 * Roles × actions. "owner" is a member acting on their own question or answer; "member" acts on
 * someone else's. Each cell is the expected HTTP status.
 */
const MATRIX: Array<[string, Record<Who, number>]> = [
  ['GET /questions', { anonymous: 200, member: 200, owner: 200, moderator: 200, admin: 200 }],
  ['POST /questions', { anonymous: 401, member: 201, owner: 201, moderator: 201, admin: 201 }],
  ['PATCH /questions/:id', { anonymous: 401, member: 403, owner: 200, moderator: 200, admin: 200 }],
  ['DELETE /answers/:id', { anonymous: 401, member: 403, owner: 200, moderator: 200, admin: 200 }],
  ['GET /moderation', { anonymous: 401, member: 403, owner: 403, moderator: 200, admin: 200 }],
  ['GET /admin/queues', { anonymous: 401, member: 403, owner: 403, moderator: 403, admin: 200 }],
];

/**
 * The same actions as events of a live component (BoardPanel), guarded by the same decorators:
 * each cell expects what HTTP answers, as an error frame's code (`http_403`) or `ok`.
 */
const LIVE_EVENTS: Record<string, string> = {
  'GET /questions': 'list',
  'POST /questions': 'create-question',
  'PATCH /questions/:id': 'edit-question',
  'DELETE /answers/:id': 'delete-answer',
  'GET /moderation': 'moderate',
  'GET /admin/queues': 'queues',
};
const liveOutcome = (status: number) => (status < 300 ? 'ok' : `http_${status}`);

function suite(platform: Platform) {
  let server: SecurityApp;
  const tokens: Partial<Record<Who, { token: string; id: string }>> = {};

  async function account(role: string): Promise<{ token: string; id: string }> {
    const username = `${role}-${randomUUID().slice(0, 8)}`;
    const registered = await post('/auth/register', { username, password: PASSWORD });
    expect(registered.status).toBe(201);
    await server.app
      .get(DataSource)
      .query('UPDATE lattice_users SET roles = ? WHERE username = ?', [
        JSON.stringify([role]),
        username,
      ]);
    // Roles travel in the access token, so log in again after the change.
    const login = await post('/auth/login', { username, password: PASSWORD, delivery: 'bearer' });
    const body = (await login.json()) as { accessToken: string; user: { id: string } };
    return { token: body.accessToken, id: body.user.id };
  }

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await bootSecurityApp(
      platform,
      {
        DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-authz-')), 'db.sqlite')}`,
        JWT_SECRET: SECRET,
      },
      { authorization: FORUM_AUTHORIZATION },
      {},
      {
        controllers: [BoardController],
        providers: [Board, QuestionOwners, AnswerOwners, ModerationTopic, BoardPanel],
        imports: [SocketModule.forRoot(), LiveModule.forRoot({ secret: SECRET })],
        websockets: true,
      },
    );
    tokens.member = await account('member');
    tokens.owner = await account('member');
    tokens.moderator = await account('moderator');
    tokens.admin = await account('admin');
  });
  afterAll(() => server?.app.close());

  describe.each(MATRIX)('%s', (route, expected) => {
    it.each(WHO)('as %s', async (who) => {
      const board = server.app.get(Board);
      // Fresh resources owned by "owner" for every cell, so deletions do not leak between cells.
      const question = board.add('questions', tokens.owner!.id);
      const answer = board.add('answers', tokens.owner!.id);
      const [method, path] = route
        .replace('/questions/:id', `/questions/${question}`)
        .replace('/answers/:id', `/answers/${answer}`)
        .split(' ');
      const who_ = tokens[who];
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: who_ ? { authorization: `Bearer ${who_.token}` } : {},
      });
      expect({ route, who, status: response.status }).toEqual({
        route,
        who,
        status: expected[who],
      });
      if (method === 'DELETE') expect(board.answers.has(answer)).toBe(response.status !== 200);
      if (response.status === 403)
        expect(await response.json()).toMatchObject({ code: 'LATTICE_SECURITY_FORBIDDEN' });
    });
  });

  it('says why access was denied', async () => {
    const board = server.app.get(Board);
    const question = board.add('questions', tokens.owner!.id);
    const edit = await fetch(`${server.url}/questions/${question}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tokens.member!.token}` },
    });
    expect(await edit.json()).toMatchObject({ message: 'You may update only your own question.' });
    const queues = await fetch(`${server.url}/admin/queues`, {
      headers: { authorization: `Bearer ${tokens.moderator!.token}` },
    });
    expect(await queues.json()).toMatchObject({
      message: 'This needs the role "admin" (or one that includes it).',
    });
  });

  describe('on live component events (@On handlers with @Can and @Roles)', () => {
    const pages: Page[] = [];
    afterEach(() => pages.splice(0).forEach((page) => page.client.close()));

    /** A BoardPanel page joined over a real socket, authenticated as `who` (bearer header). */
    async function open(who: Who): Promise<Page> {
      const markup = await server.app.get(LiveRenderer).component('board-panel', {});
      const token = tokens[who]?.token;
      const page = Page.fromHtml(
        server.url.replace('http://', ''),
        markup,
        token ? { authorization: `Bearer ${token}` } : undefined,
      );
      pages.push(page);
      await page.join();
      return page;
    }
    const send = (page: Page, event: string, values: unknown = {}) =>
      page.send(event, values).then(
        () => 'ok',
        (error: SocketRequestError) => error.code,
      );

    describe.each(MATRIX)('%s', (route, expected) => {
      it.each(WHO)('as %s', async (who) => {
        const board = server.app.get(Board);
        const question = board.add('questions', tokens.owner!.id);
        const answer = board.add('answers', tokens.owner!.id);
        const event = LIVE_EVENTS[route];
        const page = await open(who);
        const outcome = await send(page, event, {
          id: event === 'edit-question' ? question : answer,
        });
        expect({ event, who, outcome }).toEqual({
          event,
          who,
          outcome: liveOutcome(expected[who]),
        });
        if (event === 'delete-answer') expect(board.answers.has(answer)).toBe(outcome !== 'ok');
        if (outcome === 'ok') {
          await page.until((html) => html.includes(event));
          return;
        }
        // Refused: the state is unchanged and the page keeps working.
        expect(await send(page, 'list')).toBe('ok');
        await page.until((html) => html.includes('list'));
        expect(page.html).not.toContain(event);
      });
    });

    it('says why in the error frame, as HTTP does', async () => {
      const question = server.app.get(Board).add('questions', tokens.owner!.id);
      const page = await open('member');
      await expect(page.send('edit-question', { id: question })).rejects.toMatchObject({
        code: 'http_403',
        message: 'You may update only your own question.',
      });
      await expect(page.send('queues')).rejects.toMatchObject({
        message: 'This needs the role "admin" (or one that includes it).',
      });
    });
  });

  describe('on the socket connection (SOCKET_AUTHENTICATOR)', () => {
    const socketUrl = () => `${server.url.replace('http', 'ws')}/socket`;

    async function connect(headers: Record<string, string>) {
      const ws = new WebSocket(socketUrl(), { headers });
      const frames: unknown[][] = [];
      ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as unknown[]));
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const next = (test: (frame: unknown[]) => boolean) =>
        waitFor(() => frames.find(test), {
          what: () => `a matching frame in ${JSON.stringify(frames)}`,
        });
      return { ws, closed, next };
    }
    const join = async (
      client: Awaited<ReturnType<typeof connect>>,
      topic: string,
      ref: string,
    ) => {
      client.ws.send(JSON.stringify([topic, 'join', {}, ref]));
      const reply = await client.next((frame) => frame[3] === ref);
      return (reply[2] as { status: string }).status;
    };

    it('authenticates from the access cookie or a bearer header, and anonymously without either', async () => {
      const cookie = await connect({ cookie: `__Host-lattice_access=${tokens.moderator!.token}` });
      expect((await cookie.next((f) => f[1] === 'welcome'))[2]).toMatchObject({
        identity: tokens.moderator!.id,
      });
      const bearer = await connect({ authorization: `Bearer ${tokens.member!.token}` });
      expect((await bearer.next((f) => f[1] === 'welcome'))[2]).toMatchObject({
        identity: tokens.member!.id,
      });
      const anonymous = await connect({});
      expect((await anonymous.next((f) => f[1] === 'welcome'))[2]).toMatchObject({
        identity: null,
      });
      for (const client of [cookie, bearer, anonymous]) client.ws.close();
    });

    it('refuses a forged or expired token with close code 4401', async () => {
      const [h, p] = tokens.member!.token.split('.');
      const forged = await connect({ cookie: `__Host-lattice_access=${h}.${p}.` });
      expect((await forged.closed).code).toBe(4401);
    });

    it('lets topics use the same roles and ownership rules', async () => {
      const board = server.app.get(Board);
      const answer = board.add('answers', tokens.owner!.id);
      const results: Record<string, unknown> = {};
      for (const who of ['member', 'owner', 'moderator', 'admin'] as const) {
        const client = await connect({ cookie: `__Host-lattice_access=${tokens[who]!.token}` });
        results[`moderation as ${who}`] = await join(client, 'moderation', '1');
        results[`answer as ${who}`] = await join(client, `answer:${answer}`, '2');
        client.ws.close();
      }
      expect(results).toEqual({
        'moderation as member': 'error',
        'answer as member': 'error',
        'moderation as owner': 'error',
        'answer as owner': 'ok',
        'moderation as moderator': 'ok',
        'answer as moderator': 'ok',
        'moderation as admin': 'ok',
        'answer as admin': 'ok',
      });
    });
  });
}

describe.each(['express', 'fastify'] as const)('authorization on %s', (platform) =>
  suite(platform),
);

it('refuses to start a live component whose guarded handlers nothing enforces (no SecurityModule)', async () => {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      SocketModule.forRoot(),
      LiveModule.forRoot({ secret: SECRET }),
    ],
    providers: [Board, BoardPanel],
  })
  class UnguardedModule {}
  const app = await NestFactory.create(UnguardedModule, { logger: false, abortOnError: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await expect(app.init()).rejects.toMatchObject({
    code: 'LATTICE_LIVE_HANDLER_UNGUARDED',
    message: expect.stringContaining('BoardPanel has @Roles() or @Can() on create, edit, remove'),
  });
  await app.close().catch(() => undefined);
});
