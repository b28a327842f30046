import { defineListQuery } from '@lattice/database';
import { z } from 'zod';
import { Question } from './question.entity';

/** What `GET /questions` accepts: anything else is a 400 naming the parameter. */
export const questionList = defineListQuery<Question>({
  sortable: ['createdAt', 'score', 'answerCount'],
  defaultSort: '-createdAt',
  limit: { default: 20, max: 100 },
  filters: {
    tag: {
      schema: z.string().regex(/^[a-z0-9][a-z0-9.+#-]{0,49}$/, {
        error: 'a tag name is lowercase letters, digits and . + # -',
      }),
      apply: (qb, tag, q) =>
        qb.andWhere(
          `${q}.id IN (SELECT qt.questions_id FROM question_tags qt INNER JOIN tags t ON t.id = qt.tags_id WHERE t.name = :tag)`,
          { tag },
        ),
    },
    author: {
      schema: z.coerce
        .number({ error: 'not a number' })
        .int({ error: 'not a user id' })
        .positive({ error: 'not a user id' }),
      apply: (qb, author, q) => qb.andWhere(`${q}.author_id = :author`, { author }),
    },
  },
});
