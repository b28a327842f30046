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

const TOPICS = [
  'cache invalidation',
  'a BullMQ worker',
  'TypeORM migrations',
  'a WebSocket gateway',
  'live components',
  'JWT refresh tokens',
  'Redis streams',
  'keyset pagination',
  'a Nest interceptor',
  'SQLite in tests',
];

export const questionFactory = defineFactory(Question, (faker) => {
  const topic = faker.helpers.arrayElement(TOPICS);
  const created = faker.date.past({ years: 2 });
  return {
    title:
      `${faker.helpers.arrayElement(['How do I', 'Why does', 'What is the best way to', 'Is it safe to'])} ${faker.hacker.verb()} ${topic}?`.slice(
        0,
        200,
      ),
    body: faker.lorem.paragraphs({ min: 1, max: 3 }),
    score: faker.number.int({ min: -3, max: 120 }),
    createdAt: created,
    updatedAt: created,
  };
});

export const answerFactory = defineFactory(Answer, (faker) => ({
  body: faker.lorem.paragraphs({ min: 1, max: 2 }),
  score: faker.number.int({ min: -2, max: 60 }),
}));
