import { defineFactory } from '@lattice/database';
import { Answer } from '../../questions/answer.entity';
import { Question } from '../../questions/question.entity';
import { User } from '../../users/user.entity';

export const userFactory = defineFactory(User, (faker, i) => {
  const first = faker.person.firstName();
  const last = faker.person.lastName();
  return {
    name: `${first} ${last}`,
    // The index keeps emails unique however many users a seed makes.
    email: faker.internet
      .email({ firstName: first, lastName: `${last}${i}`, provider: 'forum.example' })
      .toLowerCase(),
    role: (i === 0 ? 'admin' : i < 3 ? 'moderator' : 'member') as User['role'],
    reputation: faker.number.int({ min: 0, max: 5000 }),
  };
});

/**
 * What the seeded questions are about: each topic has its tag, the things asked about and some
 * advice its answers give, so that similar questions and tag suggestions on the ask page have
 * real neighbours to find (decision 0037).
 */
export const TOPICS: { tag: string; subjects: string[]; advice: string[] }[] = [
  {
    tag: 'nestjs',
    subjects: [
      'a Nest interceptor',
      'a custom Nest provider',
      'Nest module imports',
      'a Nest guard',
      'dependency injection in Nest',
    ],
    advice: [
      'Register the provider in the module that exports it, then import that module.',
      'An interceptor wraps the handler, so it sees the response stream as well as the request.',
      'Circular imports between modules are the usual cause; forwardRef only hides them.',
      'Guards run before pipes, so validated input is not there yet.',
    ],
  },
  {
    tag: 'typeorm',
    subjects: [
      'TypeORM migrations',
      'a TypeORM relation',
      'TypeORM query builder joins',
      'eager relations in TypeORM',
      'a TypeORM transaction',
    ],
    advice: [
      'Generate the migration from the entities and review the SQL before running it.',
      'Use the query builder when you need a join condition the find options cannot express.',
      'Eager relations load on every find, which gets expensive on lists.',
      'Pass the transaction manager down instead of using the global repository.',
    ],
  },
  {
    tag: 'redis',
    subjects: [
      'Redis streams',
      'a Redis connection pool',
      'Redis key expiry',
      'Redis pub/sub',
      'a Redis cluster',
    ],
    advice: [
      'Set a key prefix per app so two apps on one Redis never collide.',
      'Pub/sub drops messages while a subscriber is away; streams keep them.',
      'Expiry is lazy: a key past its TTL is removed when read or by the sampler.',
      'Use one connection for commands and a separate one for subscriptions.',
    ],
  },
  {
    tag: 'bullmq',
    subjects: [
      'a BullMQ worker',
      'BullMQ retries',
      'a delayed BullMQ job',
      'BullMQ job priorities',
      'a stalled BullMQ job',
    ],
    advice: [
      'Give each job an id derived from its data so a retry never queues it twice.',
      'A stalled job usually means the worker blocked the event loop for too long.',
      'Backoff with jitter keeps failed jobs from retrying all at once.',
      'Keep job payloads small and load the rows in the worker.',
    ],
  },
  {
    tag: 'websocket',
    subjects: [
      'a WebSocket gateway',
      'WebSocket reconnects',
      'WebSocket authentication',
      'WebSocket heartbeats',
      'broadcasting over WebSockets',
    ],
    advice: [
      'Authenticate on the upgrade request, not in the first message.',
      'Send heartbeats from the server so dead connections are noticed behind proxies.',
      'After a reconnect the client must catch up from the last offset it saw.',
      'Broadcast through a pub/sub channel so every node reaches its own sockets.',
    ],
  },
  {
    tag: 'lattice',
    subjects: [
      'live components',
      'Lattice state streams',
      'a Lattice live page',
      'Lattice cache tags',
      'the Lattice outbox',
    ],
    advice: [
      'A live component keeps its state on the server and sends only diffs to the page.',
      'Tag cached reads by what they depend on, then flush the tag on write.',
      'Append the event in the same transaction as the row it counts.',
      'The outbox relay delivers after the commit and retries while the queue is down.',
    ],
  },
  {
    tag: 'sqlite',
    subjects: [
      'SQLite in tests',
      'SQLite write locks',
      'a SQLite WAL file',
      'SQLite foreign keys',
      'SQLite date columns',
    ],
    advice: [
      'SQLite has one writer at a time, so queue transactions instead of nesting them.',
      'Foreign keys are off unless the pragma turns them on for each connection.',
      'Use a temporary file per test so tests never share a database.',
      'WAL mode lets readers continue while one writer commits.',
    ],
  },
  {
    tag: 'mysql',
    subjects: [
      'MySQL deadlocks',
      'a MySQL index',
      'MySQL row locks',
      'MySQL connection limits',
      'MySQL utf8mb4 columns',
    ],
    advice: [
      'Lock rows in the same order in every transaction to avoid deadlocks.',
      'A composite index helps only when the query uses its leading column.',
      'SELECT FOR UPDATE holds the row until the transaction ends.',
      'Size the pool below the server limit divided by the number of nodes.',
    ],
  },
  {
    tag: 'security',
    subjects: [
      'JWT refresh tokens',
      'CSRF protection',
      'password hashing',
      'session revocation',
      'a Content Security Policy',
    ],
    advice: [
      'Rotate refresh tokens on every use and revoke the family when one is reused.',
      'Check the Origin header and a token for every state-changing request.',
      'Hash passwords with argon2id and a per-user salt.',
      'Short access tokens make revocation cheap to check.',
    ],
  },
  {
    tag: 'testing',
    subjects: [
      'end-to-end tests',
      'a flaky test',
      'mocking a queue in tests',
      'testing a WebSocket client',
      'integration tests with a real database',
    ],
    advice: [
      'Wait for the condition instead of sleeping for a fixed time.',
      'Run against the real service in CI and skip with a printed reason locally.',
      'A flaky test usually races with something the test never waits for.',
      'Give each test its own database or key prefix.',
    ],
  },
  {
    tag: 'performance',
    subjects: [
      'keyset pagination',
      'N+1 queries',
      'response caching',
      'a slow endpoint',
      'memory leaks in Node',
    ],
    advice: [
      'Keyset pagination stays fast on deep pages because it never counts skipped rows.',
      'Load relations with the page instead of one query per row.',
      'Measure before caching: a cache on a fast query only adds staleness.',
      'Take a heap snapshot twice and compare what grew.',
    ],
  },
  {
    tag: 'typescript',
    subjects: [
      'TypeScript generics',
      'strict null checks',
      'TypeScript decorators',
      'a discriminated union',
      'TypeScript path aliases',
    ],
    advice: [
      'Narrow a union on its literal tag and the compiler checks every case.',
      'Decorators need emitDecoratorMetadata for dependency injection to see the types.',
      'Path aliases need the same mapping at runtime as in tsconfig.',
      'A generic constraint says what the function needs from its argument.',
    ],
  },
];

const OPENINGS = [
  'How do I {verb} {subject}?',
  'Why does {subject} fail after an upgrade?',
  'What is the best way to {verb} {subject}?',
  'Is it safe to {verb} {subject} in production?',
  '{Subject} is slow: how do I {verb} it?',
  'Best practices for {subject} in a large app',
  'Unexpected error when I {verb} {subject}',
  'Can I {verb} {subject} without downtime?',
];
const VERBS = ['configure', 'debug', 'test', 'scale', 'monitor', 'refactor', 'secure', 'reset'];

type Topic = (typeof TOPICS)[number];
type Faker = Parameters<Parameters<typeof defineFactory>[1]>[0];

/** A title and body about `topic`. */
export function questionAbout(faker: Faker, topic: Topic): { title: string; body: string } {
  const subject = faker.helpers.arrayElement(topic.subjects);
  const title = faker.helpers
    .arrayElement(OPENINGS)
    .replace('{verb}', faker.helpers.arrayElement(VERBS))
    .replace('{subject}', subject)
    .replace('{Subject}', subject[0].toUpperCase() + subject.slice(1));
  return {
    title: title.slice(0, 200),
    body: `${faker.helpers.arrayElement(topic.advice)} ${faker.lorem.paragraphs({ min: 1, max: 2 })}`,
  };
}

export const questionFactory = defineFactory(Question, (faker) => {
  const created = faker.date.past({ years: 2 });
  return {
    ...questionAbout(faker, faker.helpers.arrayElement(TOPICS)),
    score: faker.number.int({ min: -3, max: 120 }),
    createdAt: created,
    updatedAt: created,
  };
});

/** The topic a seeded question is about, from its title. */
export function topicOf(title: string): Topic | undefined {
  const lower = title.toLowerCase();
  return TOPICS.find((topic) => topic.subjects.some((s) => lower.includes(s.toLowerCase())));
}

export const answerFactory = defineFactory(Answer, (faker) => ({
  body: faker.lorem.paragraphs({ min: 1, max: 2 }),
  score: faker.number.int({ min: -2, max: 60 }),
}));

/**
 * An answer's body about its question's topic: a few sentences of advice, some long enough to
 * get a one-line summary on the question page.
 */
export function answerBody(faker: Faker, topic: Topic | undefined, lorem: string): string {
  if (!topic) return lorem;
  const advice = faker.helpers.arrayElements(topic.advice, { min: 1, max: 4 });
  return `${advice.join(' ')} ${lorem}`;
}
