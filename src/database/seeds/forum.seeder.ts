import { SeedContext, Seeder } from '@lattice/database';
import { type Algorithm, hash } from '@node-rs/argon2';
import { User } from '../../users/user.entity';
import { Answer } from '../../questions/answer.entity';
import { Question } from '../../questions/question.entity';
import { Tag } from '../../questions/tag.entity';
import { Vote } from '../../questions/vote.entity';
import {
  answerBody,
  answerFactory,
  questionAbout,
  questionFactory,
  TOPICS,
  topicOf,
  userFactory,
} from './forum.factories';

// One tag per seeded topic (forum.factories.ts), in the order the Forum has always had them.
const TAGS = TOPICS.map((topic) => topic.tag);

/** Accounts to log in with on a seeded (demo) forum, one per role; README lists them. */
export const DEMO_PASSWORD = 'lattice-demo';
export const DEMO_ACCOUNTS = [
  { email: 'admin@forum.example', name: 'Ada Admin', role: 'admin' },
  { email: 'moderator@forum.example', name: 'Mo Moderator', role: 'moderator' },
  { email: 'member@forum.example', name: 'Mem Member', role: 'member' },
] as const;
// argon2id with @lattice/security's default cost (a const enum: swc cannot inline it).
const ARGON2ID = 2 as Algorithm;

/**
 * Realistic forum data: 50 users, 500 questions (`--count` changes it) with 1–3 tags each,
 * answers and votes, and the three demo accounts. The same seed number always gives the same forum.
 */
export class ForumSeeder extends Seeder {
  async run({ manager, faker, count, progress, createMany }: SeedContext): Promise<void> {
    const questionCount = count ?? 500;
    const userCount = Math.max(5, Math.round(questionCount / 10));

    progress.start('users', userCount);
    const users = await createMany(userFactory, userCount);
    progress.stop();
    // Seeded authors cannot log in (no password); these three can.
    const passwordHash = await hash(DEMO_PASSWORD, {
      algorithm: ARGON2ID,
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    });
    await manager.save(
      User,
      DEMO_ACCOUNTS.map((account) => ({ ...account, passwordHash, reputation: 0 })),
    );

    const tags = await manager.save(
      Tag,
      TAGS.map((name) => ({ name, description: `Questions about ${name}` })),
    );

    progress.start('questions', questionCount);
    // The topic's own tag first, sometimes one or two more.
    const questions = await createMany(questionFactory, questionCount, () => {
      const topic = faker.helpers.arrayElement(TOPICS);
      const own = tags.find((tag) => tag.name === topic.tag)!;
      const others = faker.helpers.arrayElements(
        tags.filter((tag) => tag !== own),
        { min: 0, max: 1 },
      );
      return {
        ...questionAbout(faker, topic),
        author: faker.helpers.arrayElement(users),
        tags: [own, ...others],
      };
    });
    progress.stop();

    progress.start('answers', questions.length);
    for (const question of questions) {
      const n = faker.number.int({ min: 0, max: 4 });
      if (n > 0) {
        const answers = Array.from({ length: n }, (_, i) =>
          manager.create(Answer, {
            ...answerFactory.build(faker, i),
            body: answerBody(
              faker,
              topicOf(question.title),
              faker.lorem.paragraphs({ min: 1, max: 2 }),
            ),
            accepted: i === 0 && faker.datatype.boolean(),
            question,
            author: faker.helpers.arrayElement(users),
          }),
        );
        await manager.save(Answer, answers);
      }
      const voters = faker.helpers.arrayElements(users, { min: 0, max: 6 });
      if (voters.length) {
        await manager.save(
          Vote,
          voters.map((user) => ({
            user,
            question,
            value: faker.helpers.weightedArrayElement([
              { value: 1, weight: 4 },
              { value: -1, weight: 1 },
            ]),
          })),
        );
      }
      await manager.update(Question, question.id, { answerCount: n });
      progress.advance();
    }
    progress.stop();
  }
}
