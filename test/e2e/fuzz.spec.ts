import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { isRealDateTime } from '../../src/questions/question-list.query';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { signUp } from '../support/http';

/**
 * Property-based checks of the Forum's input handling (decision 0029): whatever a client sends
 * in a query string or a JSON body, the answer is never a 5xx, and a refusal is a 4xx with a
 * message. Runs are few (the app is real, one instance for the file) and seeded by fast-check,
 * which prints the seed and the smallest failing input when a property fails.
 */

const RUNS = 40;

/** A cursor as the API encodes them (base64url of `[sort, value, id]`), with any contents. */
const cursorOf = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

/** Text a client might put anywhere: short strings, numbers, dates, ids, odd characters. */
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('', '-', '0', '-1', '1e309', 'NaN', 'null', '[]', '{}', '%00', '../', '💥'),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
);

/** `YYYY-MM-DD HH:MM:SS` with any two digits in each place: most are not real moments. */
const dateLike = fc
  .tuple(
    fc.integer({ min: 1000, max: 9999 }),
    ...[0, 1, 2, 3, 4].map(() => fc.integer({ min: 0, max: 99 })),
  )
  .map(([year, ...rest]) =>
    [
      `${year}-`,
      String(rest[0]).padStart(2, '0'),
      '-',
      String(rest[1]).padStart(2, '0'),
      ' ',
      String(rest[2]).padStart(2, '0'),
      ':',
      String(rest[3]).padStart(2, '0'),
      ':',
      String(rest[4]).padStart(2, '0'),
    ].join(''),
  );

describe('the Forum refuses bad input with a 4xx and a message, never a 5xx (property-based)', () => {
  let app: INestApplication;
  let url: string;
  let bearer: string;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', { DATABASE_URL: tempSqliteUrl() }));
    bearer = (await signUp(url)).accessToken;
  });
  afterAll(() => app?.close());

  /** Sends and checks the answer: below 500, and a 4xx names what was wrong. */
  async function answer(path: string, init: RequestInit = {}): Promise<number> {
    const response = await fetch(`${url}${path}`, init);
    const body = await response.text();
    expect({ path, status: response.status, below500: response.status < 500 }).toMatchObject({
      below500: true,
    });
    if (response.status >= 400) {
      // Nest's convention: one message, or one per problem (validation), each naming the field.
      const message = (JSON.parse(body) as { message?: unknown }).message;
      const named =
        (typeof message === 'string' && message.length > 0) ||
        (Array.isArray(message) &&
          message.length > 0 &&
          message.every((line) => typeof line === 'string' && line.length > 0));
      expect({ path, body, named }).toMatchObject({ named: true });
    }
    return response.status;
  }

  const post = (path: string, body: string, token = bearer) =>
    answer(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });

  it('answers any list query with 200 or a 400 naming the parameter', async () => {
    const parameter = fc.constantFrom('sort', 'limit', 'page', 'cursor', 'tag', 'author', 'x');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(parameter, text, { maxKeys: 4 }), async (query) => {
        const status = await answer(`/questions?${new URLSearchParams(query)}`);
        expect([200, 400]).toContain(status);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers any cursor contents with 200 or 400, and an impossible date with a 400 naming the cursor', async () => {
    const value = fc.oneof(dateLike, text, fc.integer(), fc.constant(null), fc.jsonValue());
    const id = fc.oneof(fc.integer(), text, fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(value, id, async (sortValue, rowId) => {
        const cursor = cursorOf(['-createdAt', sortValue, rowId]);
        const response = await fetch(`${url}/questions?cursor=${cursor}`);
        expect(response.status).toBeLessThan(500);
        const real =
          typeof sortValue === 'string' &&
          isRealDateTime(sortValue) &&
          Number.isSafeInteger(rowId) &&
          (rowId as number) > 0;
        if (!real) {
          expect(response.status).toBe(400);
          expect(((await response.json()) as { message: string }).message).toContain(
            'Query parameter "cursor"',
          );
        }
      }),
      { numRuns: RUNS },
    );
    // The example, and a date that exists.
    const impossible = await fetch(
      `${url}/questions?cursor=${cursorOf(['-createdAt', '2025-13-45 99:99:99', 1])}`,
    );
    expect(impossible.status).toBe(400);
    expect(await impossible.json()).toMatchObject({
      parameter: 'cursor',
      message: expect.stringContaining('"2025-13-45 99:99:99", which is not a real date'),
    });
    const real = await fetch(
      `${url}/questions?cursor=${cursorOf(['-createdAt', '2025-02-28 10:00:00', 1])}`,
    );
    expect(real.status).toBe(200);
  });

  it('answers any path id on the question routes with 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (id) => {
        const path = encodeURIComponent(id) || 'x';
        await answer(`/questions/${path}`);
        await answer(`/questions/${path}/activity`);
        await post(`/questions/${path}/votes`, JSON.stringify({ value: 1 }));
      }),
      { numRuns: RUNS },
    );
    // Spellings ParseIntPipe took or an INT column cannot hold: 400 naming the parameter.
    for (const id of ['-1', '0', '01', '1e3', '2147483648', '99999999999999999999']) {
      const response = await fetch(`${url}/questions/${id}`);
      expect({ id, status: response.status }).toEqual({ id, status: 400 });
      expect(((await response.json()) as { message: string }).message).toContain(
        'Path parameter "id"',
      );
    }
  });

  it('answers any JSON body of question, answer and vote writes with a 4xx and a message', async () => {
    const route = fc.constantFrom('/questions', '/questions/1/answers', '/questions/1/votes');
    const body = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record(
          { title: text, body: text, tags: fc.array(text, { maxLength: 6 }), value: text },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 30 }), // not JSON at all
    );
    await fc.assert(
      fc.asyncProperty(route, body, async (path, sent) => {
        await post(path, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers any JSON body of sign-up and login with a 4xx and a message', async () => {
    const route = fc.constantFrom('/auth/register', '/auth/login');
    const body = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record(
          {
            username: text,
            password: text,
            profile: fc.oneof(fc.jsonValue(), fc.record({ name: text })),
            delivery: fc.constantFrom('bearer', 'cookie', 'x'),
          },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(route, body, async (path, sent) => {
        await answer(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: sent,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('answers any query on the tag list with 200', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 3 }),
        async (query) => {
          expect(await answer(`/tags?${new URLSearchParams(query)}`)).toBe(200);
        },
      ),
      { numRuns: 10 },
    );
  });
});
