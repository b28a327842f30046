import { defineListQuery, InvalidQueryError, type ListQuery } from '@lattice/database';
import { Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { Question } from './question.entity';

const listQuery = defineListQuery<Question>({
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

/** A date and time as the database writes it (`2025-01-02 03:04:05.123456`, or ISO with a T). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;

/** Whether `text` names a moment that exists: month 13, 30 February or 99:99 do not. */
export function isRealDateTime(text: string): boolean {
  const parts = DATE_TIME.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

const CURSOR_HINT = 'Use the "next" value of a previous page, or start again without a cursor.';

/**
 * The cursor's sort value and id, checked for the sort they were issued for: a cursor decodes
 * to any JSON, and a value the database would compare as text (an impossible date) must be a
 * 400 naming the parameter, not a quiet page of something.
 */
function checkCursor(query: ListQuery<Question>): void {
  const cursor = query.cursor;
  if (!cursor) return;
  const { value, id } = cursor;
  if (!(typeof id === 'number' ? Number.isSafeInteger(id) && id > 0 : /^[1-9]\d{0,15}$/.test(id)))
    throw new InvalidQueryError(
      'cursor',
      `holds the id ${JSON.stringify(id)}, which is not a question id. ${CURSOR_HINT}`,
    );
  if (query.sort.field === 'createdAt') {
    if (typeof value !== 'string' || !isRealDateTime(value))
      throw new InvalidQueryError(
        'cursor',
        `holds the createdAt ${JSON.stringify(value)}, which is not a real date and time. ${CURSOR_HINT}`,
      );
  } else if (
    !(typeof value === 'number' ? Number.isSafeInteger(value) : /^-?\d{1,15}$/.test(value ?? ''))
  ) {
    throw new InvalidQueryError(
      'cursor',
      `holds the ${query.sort.field} ${JSON.stringify(value)}, which is not a whole number. ${CURSOR_HINT}`,
    );
  }
}

function parse(raw: Record<string, unknown>): ListQuery<Question> {
  const query = listQuery.parse(raw);
  checkCursor(query);
  return query;
}

@Injectable()
class QuestionListPipe implements PipeTransform<Record<string, unknown>, ListQuery<Question>> {
  transform(value: Record<string, unknown>): ListQuery<Question> {
    return parse(value ?? {});
  }
}

/** What `GET /questions` accepts: anything else (an impossible date in a cursor too) is a 400 naming the parameter. */
export const questionList = { spec: listQuery.spec, parse, pipe: new QuestionListPipe() };
