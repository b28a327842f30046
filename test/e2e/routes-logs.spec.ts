import type { INestApplication, LoggerService } from '@nestjs/common';
import WebSocket from 'ws';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { api } from '../support/http';

/**
 * Client mistakes do not reach the log at ERROR (decision 0029): malformed and oversized frames,
 * duplicate sign-ups (one after another, and racing). They are sampled warnings, so a client
 * sending many gets one line per kind and period.
 */
describe.each(['express', 'fastify'] as const)('client mistakes in the log, on %s', (platform) => {
  let app: INestApplication;
  let url: string;
  const lines: { level: string; text: string }[] = [];
  const capture: LoggerService = Object.fromEntries(
    ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'].map((level) => [
      level,
      (message: unknown) => lines.push({ level, text: String(message) }),
    ]),
  ) as unknown as LoggerService;
  const at = (level: string) => lines.filter((line) => line.level === level);

  beforeAll(async () => {
    ({ app, url } = await startForum(platform, {
      DATABASE_URL: tempSqliteUrl(),
      LOG_LEVEL: 'debug',
    }));
    // Every Logger of the app writes here from now on.
    app.useLogger(capture);
  });
  afterAll(() => app?.close());
  beforeEach(() => (lines.length = 0));

  it('logs no ERROR for duplicate sign-ups, one after another or racing', async () => {
    const body = {
      username: `dup-${Math.random().toString(36).slice(2, 8)}@logs.example`,
      password: 'correct horse battery',
      profile: { name: 'Dup' },
      delivery: 'bearer',
    };
    expect((await api(url).post('/auth/register', body)).status).toBe(201);
    expect((await api(url).post('/auth/register', body)).status).toBe(409);
    const racing = { ...body, username: `race-${body.username}` };
    const statuses = await Promise.all(
      [1, 2, 3, 4].map(async () => (await api(url).post('/auth/register', racing)).status),
    );
    expect(statuses.sort()).toEqual([201, 409, 409, 409]);
    expect(at('error')).toEqual([]);
  });

  it('logs no ERROR for malformed or oversized frames, and one warning for many bad frames', async () => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket`, { headers: { origin: url } });
    const replies: string[] = [];
    ws.on('message', (data) => replies.push(String(data)));
    await new Promise((resolve) => ws.once('message', resolve)); // the welcome
    const bad = ['nope', '[1,2]', '{"a":1}', '["t"]', '[null,"e",1]', '', '["t","e",1,2]'];
    for (let round = 0; round < 5; round++) for (const frame of bad) ws.send(frame);
    // Wait for every refusal to come back.
    await new Promise<void>((resolve) => {
      const check = () =>
        replies.filter((r) => r.includes('bad_frame')).length >= bad.length * 5
          ? resolve()
          : ws.once('message', check);
      check();
    });
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send('x'.repeat(2 * 1024 * 1024)); // over any sane maxPayload
    expect(await closed).toBe(1009);
    expect(at('error')).toEqual([]);
    expect(at('fatal')).toEqual([]);
    const warnings = at('warn').map((line) => line.text);
    expect(warnings.filter((text) => text.includes('malformed frame'))).toHaveLength(1);
    expect(warnings.filter((text) => text.includes('refused'))).toHaveLength(1);
    expect(at('debug').filter((line) => line.text.includes('malformed frame')).length).toBe(
      bad.length * 5 - 1,
    );
  });
});
