import type { INestApplication } from '@nestjs/common';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { json, signUp } from '../support/http';
import { TsProcess } from '../support/processes';
import { PROCESS_TEST_MS } from '../support/wait';

/** GETs `path` `times` times, one after another, and returns the statuses in order. */
async function statuses(url: string, path: string, times: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < times; i++) {
    const response = await fetch(`${url}${path}`);
    await response.arrayBuffer();
    seen.push(response.status);
  }
  return seen;
}

describe.each(['express', 'fastify'] as const)(
  'the Forum limits on %s (decision 0038)',
  (platform) => {
    let app: INestApplication | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it('answers 429 after exactly RATE_LIMIT_IP_PER_MINUTE requests to one route', async () => {
      let url: string;
      ({ app, url } = await startForum(platform, {
        DATABASE_URL: tempSqliteUrl(),
        RATE_LIMIT_IP_PER_MINUTE: '7',
      }));
      const seen = await statuses(url, '/health/live', 9);
      expect(seen).toEqual([200, 200, 200, 200, 200, 200, 200, 429, 429]);
      // Per route: another route from the same address is still served.
      expect((await fetch(`${url}/health`)).status).toBe(200);
    });

    it('with a raised limit, refuses nothing past the old default of 300', async () => {
      let url: string;
      ({ app, url } = await startForum(platform, {
        DATABASE_URL: tempSqliteUrl(),
        RATE_LIMIT_IP_PER_MINUTE: '1000',
      }));
      const seen = await statuses(url, '/health/live', 310);
      expect(seen.filter((status) => status !== 200)).toEqual([]);
    });
  },
);

describe('the Forum write limits (decision 0038)', () => {
  let app: INestApplication | undefined;
  afterAll(() => app?.close());

  it('refuses the answer after WRITE_LIMIT_ANSWERS_PER_MINUTE, and says the configured limit', async () => {
    let url: string;
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      FORUM_SEED_ON_START: 'always',
      WRITE_LIMIT_ANSWERS_PER_MINUTE: '2',
    }));
    const writer = await signUp(url, 'Limited Writer');
    const post = (body: string) => writer.client.post('/questions/13/answers', { body });
    expect((await post('Answer 1')).status).toBe(201);
    expect((await post('Answer 2')).status).toBe(201);
    const refused = await post('Answer 3');
    expect(refused.status).toBe(429);
    expect((await json(refused)).message).toMatch(/at most 2 a minute\. Try again in \d+ s\./);
  });
});

// The real entry point, as `npm start` runs it: a bad limit stops the boot with its name.
it(
  'the Forum refuses to start with a negative or non-numeric limit, naming each variable',
  async () => {
    const forum = new TsProcess('src/main.ts', {
      DATABASE_URL: tempSqliteUrl(),
      RATE_LIMIT_IP_PER_MINUTE: '-5',
      WRITE_LIMIT_VOTES_PER_MINUTE: 'abc',
    });
    const exit = await forum.exited;
    const { stderr } = forum.output;
    expect(exit.code).toBe(1);
    expect(stderr).toContain('Lattice cannot start: 2 environment variables are invalid.');
    expect(stderr).toMatch(/RATE_LIMIT_IP_PER_MINUTE = "-5": below 1/);
    expect(stderr).toMatch(/WRITE_LIMIT_VOTES_PER_MINUTE = "abc": not a number/);
  },
  PROCESS_TEST_MS,
);
