import { AiModule, AIManager, AiUsage } from '@lattice/ai';
import { AiCommandsModule } from '@lattice/ai/cli';
import { AiUsageDatabaseModule } from '@lattice/ai/database';
import { LatticeModule } from '@lattice/core';
import { runLatticeCli } from '@lattice/core/cli';
import { DatabaseModule, TransactionHost } from '@lattice/database';
import { type INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai';
import { createTestDatabase } from '../../support/test-resources';
import { waitFor } from '../../support/wait';

/** The Forum's migrations: the table the store writes is the one they create. */
const FORUM_MIGRATIONS = join(__dirname, '..', '..', '..', 'src', 'database', 'migrations');

function lattice(env: Record<string, string>) {
  return LatticeModule.forRoot({
    env: { LOG_LEVEL: 'error', ...env },
    envFile: false,
    bootReport: false,
  });
}

/** An app as the Forum wires it: DatabaseModule, AiModule on an OpenAI-compatible server, usage in SQL. */
async function bootApp(
  env: Record<string, string>,
  kind: 'sqlite' | 'mysql',
  fake: FakeOpenAi,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      lattice(env),
      DatabaseModule.forRoot({
        migrationsDir: join(FORUM_MIGRATIONS, kind),
        migrationsRun: true,
        logging: false,
      }),
      AiModule.forRoot({
        providers: [{ name: 'fake', type: 'openai', baseURL: fake.url, apiKey: 'k', attempts: 1 }],
        models: [
          {
            name: 'fake-chat',
            provider: 'fake',
            inputPricePerMillion: 1000,
            outputPricePerMillion: 2000,
          },
        ],
        cache: false,
      }),
      AiUsageDatabaseModule,
    ],
  })
  class UsageApp {}
  return NestFactory.createApplicationContext(UsageApp, { logger: false, abortOnError: false });
}

/** `lattice ai:usage` in a context of its own: the database and the command, no AiModule. */
async function aiUsageCommand(env: Record<string, string>, argv: string[]): Promise<string> {
  @Module({
    imports: [
      lattice(env),
      DatabaseModule.forRoot({ logging: false }),
      AiUsageDatabaseModule,
      AiCommandsModule,
    ],
  })
  class UsageCli {}
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const code = await runLatticeCli(UsageCli, { argv: ['ai:usage', ...argv], logger: false });
    expect(code).toBe(0);
  } finally {
    write.mockRestore();
  }
  return out.join('');
}

const ask = (app: INestApplicationContext, user: string) =>
  app.get(AIManager).generate({ prompt: 'What is a lattice?', model: 'fake-chat', user });

interface DatabaseUnderTest {
  env: Record<string, string>;
  drop?: () => Promise<void>;
}

function usageSuite(kind: 'sqlite' | 'mysql', prepare: () => Promise<DatabaseUnderTest>) {
  let database: DatabaseUnderTest;
  let fake: FakeOpenAi;
  let first: INestApplicationContext;
  let second: INestApplicationContext;
  const env = () => database.env;

  beforeAll(async () => {
    database = await prepare();
    fake = await startFakeOpenAi();
    // One after the other: the first runs the migrations, the second finds nothing pending.
    first = await bootApp(env(), kind, fake);
    second = await bootApp(env(), kind, fake);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await fake?.close();
    await database?.drop?.();
  });

  beforeEach(() => {
    fake.reset();
    fake.always('/chat/completions', {
      content: 'A partially ordered set.',
      usage: { prompt_tokens: 100, completion_tokens: 20 },
    });
  });

  it('creates the table the entity describes (the Forum migration matches AiUsageDayEntity)', async () => {
    const pending = await first.get(DataSource).driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    expect(first.get(AiUsage).store).toMatchObject({ kind: 'sql', shared: true });
  });

  it('adds up what two app instances count, flushed at the same time', async () => {
    const a = first.get(AiUsage);
    const b = second.get(AiUsage);
    await ask(first, 'ana');
    await ask(first, 'ana');
    await ask(second, 'ana');
    await ask(second, 'Ana'); // another user: keys differ in case on MySQL too
    fake.script('/chat/completions', { status: 500 });
    await expect(ask(second, 'bo')).rejects.toThrow();
    await Promise.all([a.flush(), b.flush()]);
    // Once more, so that both upsert rows that exist already, at once.
    await ask(first, 'ana');
    await ask(second, 'ana');
    await Promise.all([a.flush(), b.flush()]);

    const rows = await a.summary({ days: 1, groupBy: ['model', 'user'] });
    expect(rows).toEqual([
      expect.objectContaining({
        model: 'fake-chat',
        user: 'ana',
        calls: 5,
        promptTokens: 500,
        completionTokens: 100,
        errors: 0,
      }),
      expect.objectContaining({ model: 'fake-chat', user: 'Ana', calls: 1, errors: 0 }),
      expect.objectContaining({ model: 'fake-chat', user: 'bo', calls: 1, errors: 1, cost: 0 }),
    ]);
    // 100 tokens at $1000/M in, 20 at $2000/M out: $0.14 a call.
    expect(rows[0].cost).toBeCloseTo(0.7, 9);
    expect(rows[0].latency.reduce((sum, n) => sum + n, 0)).toBe(5);
  });

  it('logs a failing database once and keeps the counts until it answers', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const dataSource = first.get(DataSource);
    const usage = first.get(AiUsage);
    const [before] = await usage.summary({ days: 1, groupBy: [] });
    // The table goes away under the app (a dropped table, a missing migration): every write fails.
    await dataSource.query('ALTER TABLE lattice_ai_usage RENAME TO lattice_ai_usage_away');
    try {
      for (let i = 0; i < 3; i++) {
        await ask(first, 'cy');
        await usage.flush();
      }
      const warnings = warn.mock.calls
        .map(([m]) => String(m))
        .filter((m) => m.includes('AI usage store'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /AI usage store \(sql\) failed, counts are kept in memory until it answers: The AI usage table "lattice_ai_usage" does not exist in (sqlite|mysql) ".+"\. .*lattice db:migrate/,
      );
    } finally {
      await dataSource.query('ALTER TABLE lattice_ai_usage_away RENAME TO lattice_ai_usage');
    }
    await usage.flush();
    expect(log.mock.calls.map(([m]) => String(m))).toContain('AI usage store (sql) works again.');
    const [after] = await usage.summary({ days: 1, groupBy: [] });
    expect(after.calls - before.calls).toBe(3);
    expect(
      (await usage.summary({ days: 1, groupBy: ['user'], where: { user: 'cy' } }))[0].calls,
    ).toBe(3);
    warn.mockRestore();
    log.mockRestore();
  });

  it('writes what calls inside a transaction counted, after it, whether it commits or not', async () => {
    // An app of its own, so that the flush timer is started by the call inside the transaction.
    const third = await bootApp(env(), kind, fake);
    try {
      const transactions = third.get(TransactionHost);
      await transactions.run(() => ask(third, 'dee'));
      await expect(
        transactions.run(async () => {
          await ask(third, 'dee');
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      // The timer fires once both transactions are over: its write joins neither (joining the
      // finished one would fail on MySQL, its connection back in the pool).
      const day = new Date().toISOString().slice(0, 10);
      await waitFor(
        async () =>
          (await third.get(AiUsage).store.read([day])).find((entry) => entry.key.user === 'dee')
            ?.counts.calls === 2,
        { what: "the flush timer to write dee's two calls" },
      );
    } finally {
      await third.close();
    }
  });

  // Last: the command's context closes its DataSource, and TransactionHost (one DatabaseModule a
  // process) stays bound to it, so that the apps of this process can no longer write.
  it('lattice ai:usage prints them from a separate context', async () => {
    const printed = await aiUsageCommand(env(), ['--by', 'model,user', '--days', '1']);
    expect(printed).toMatch(
      /│ fake-chat │ ana\s+│ 5\s+│ 500\s+│ 100\s+│ \$0\.7000 │ 0 \(0%\)\s+│ 0\s+│ 0 /,
    );
    expect(printed).toMatch(/│ fake-chat │ Ana\s+│ 1\s+│ 100\s+│ 20\s+│ \$0\.1400 /);
    expect(printed).toMatch(
      /│ fake-chat │ bo\s+│ 1\s+│ 0\s+│ 0\s+│ \$0\.0000 │ 0 \(0%\)\s+│ 1\s+│ 0 /,
    );
    expect(printed).toMatch(/│ fake-chat │ cy\s+│ 3\s+│ 300\s+│ 60\s+│ \$0\.4200 /);
    expect(printed).toContain('12 calls in the last 1 day (UTC), $1.5400, from the sql store.');
    expect(printed).not.toContain('cannot read');
  });
}

describe('AI usage in SQL [sqlite]', () => {
  usageSuite('sqlite', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lattice-ai-usage-')), 'app.sqlite');
    return Promise.resolve({ env: { DATABASE_URL: `sqlite:${file}` } });
  });
});

describeWith(['mysql'], 'AI usage in SQL [mysql]', () => {
  usageSuite('mysql', async () => {
    const { url, drop } = await createTestDatabase();
    return { env: { DATABASE_URL: url }, drop };
  });
});
