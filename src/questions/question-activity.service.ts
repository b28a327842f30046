import { InjectCache, LatticeCache } from '@lattice/cache';
import {
  InjectLatticeRepository,
  LatticeRepository,
  lockRows,
  TransactionHost,
} from '@lattice/database';
import { EventDispatcher } from '@lattice/events';
import { LiveUpdates } from '@lattice/live';
import { isUniqueViolation } from '@lattice/security';
import { StateManager, type EventInput, type StateEvent } from '@lattice/state';
import {
  ConflictException,
  Injectable,
  Logger,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Answer } from './answer.entity';
import type { QuestionActivity } from './question-activity.state';
import { QuestionVoted } from './question.events';
import { Question } from './question.entity';
import { QuestionRepository } from './question.repository';
import { Vote } from './vote.entity';
import { WriteLimits } from './write-limits';

/** The topic every question list follows; a vote publishes `{ id, score }` on it. */
export const SCORES_TOPIC = 'questions:scores';

/** A vote that lost a race for its row: the transaction runs again and sees the winner. */
class VoteRace extends Error {}

/** Times a vote's transaction runs again after losing a race for its row. */
const VOTE_RACE_RETRIES = 3;

/** What reconciliation changed, per question. */
interface Repairs {
  votesCounted: number;
  votesRestored: number;
  answersCounted: number;
  answersUncounted: number;
  projected: boolean;
}

/**
 * Votes and answers as events on the question's state stream. The `questions` table keeps
 * `score` and `answer_count` as a projection of the stream (lists sort on them); caches are
 * flushed and open live lists told after each change.
 *
 * A vote or an answer row and the event that counts it are one transaction (the stream lives
 * in the SQL store): both commit or neither does, so a crash never leaves a row the stream does
 * not count (docs/decisions/0025-append-with-the-row.md). Every write to a question's activity
 * first locks the question's row, so two nodes never race for the stream. On start,
 * `reconcile()` repairs what older versions left disagreeing.
 */
@Injectable()
export class QuestionActivityService implements OnApplicationShutdown {
  private readonly logger = new Logger('QuestionActivity');
  private stopping = false;

  constructor(
    private readonly state: StateManager,
    private readonly questions: QuestionRepository,
    @InjectLatticeRepository(Vote) private readonly votes: LatticeRepository<Vote>,
    @InjectCache() private readonly cache: LatticeCache,
    private readonly transactions: TransactionHost,
    // Absent in the command line, which has no live pages and broadcasts nothing.
    @Optional() private readonly live?: LiveUpdates,
    @Optional() private readonly events?: EventDispatcher,
    @Optional() private readonly limits?: WriteLimits,
  ) {}

  /**
   * A user's vote: one per user and question (the `votes` row, unique per pair, is the gate);
   * voting the other way changes it, voting the same way again changes nothing, so a request
   * retried after a lost response is counted once.
   */
  async vote(questionId: number, value: 1 | -1, userId: number): Promise<void> {
    await this.questions.findById(questionId); // 404 before anything is written
    await this.limits?.count('vote', userId);
    let recorded: { state: QuestionActivity; version: number } | undefined;
    for (let race = 0; ; race++) {
      try {
        recorded = await this.transactions.run(
          (manager) => this.voteInTransaction(manager, questionId, value, userId),
          { retries: 3 },
        );
        break;
      } catch (error) {
        if (!(error instanceof VoteRace) || race >= VOTE_RACE_RETRIES) {
          if (error instanceof VoteRace)
            throw new ConflictException('This vote is already being counted.');
          throw error;
        }
      }
    }
    if (!recorded) return; // the same vote again: nothing changed
    await this.cache
      .tags([`question:${questionId}`, 'questions:popular', 'questions:list'])
      .flush();
    // Every open list, on every node, hears it.
    const score = recorded.state.score;
    await this.live?.publish(SCORES_TOPIC, { id: questionId, score });
    this.events?.dispatch(new QuestionVoted(questionId, score, recorded.version));
  }

  private async voteInTransaction(
    manager: EntityManager,
    questionId: number,
    value: 1 | -1,
    userId: number,
  ) {
    await this.lockQuestion(manager, questionId);
    const votes = manager.getRepository(Vote);
    const previous = await votes.findOne({
      where: { user: { id: userId }, question: { id: questionId } },
    });
    if (previous?.value === value) return undefined;
    if (previous) {
      // The condition is the gate on SQLite too, where the question row is not locked.
      const changed = await votes.update({ id: previous.id, value: previous.value }, { value });
      if (changed.affected !== 1) throw new VoteRace();
    } else {
      try {
        await votes.insert({ user: { id: userId }, question: { id: questionId }, value });
      } catch (error) {
        if (isUniqueViolation(error)) throw new VoteRace();
        throw error;
      }
    }
    const event: EventInput = previous
      ? { type: 'vote-changed', payload: { from: previous.value, to: value } }
      : { type: 'voted', payload: { value } };
    return this.record(manager, questionId, event, `user:${userId}`);
  }

  /**
   * Counts a new answer; call it inside the transaction that saved the answer (see
   * QuestionsService.answer), so the row and its count commit together.
   */
  async answered(questionId: number, answerId: number, actor?: string): Promise<QuestionActivity> {
    const { state } = await this.transactions.run(async (manager) => {
      await this.lockQuestion(manager, questionId);
      return this.record(manager, questionId, { type: 'answered', payload: { answerId } }, actor);
    });
    this.transactions.afterCommit(() =>
      this.cache.tags([`question:${questionId}`, 'questions:list']).flush(),
    );
    return state;
  }

  /** An answer was deleted (by a moderator or its author); inside the deleting transaction. */
  async answerRemoved(questionId: number, answerId: number, actor: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      await this.lockQuestion(manager, questionId);
      await this.record(
        manager,
        questionId,
        { type: 'answer-removed', payload: { answerId } },
        actor,
      );
    });
    this.transactions.afterCommit(() =>
      this.cache.tags([`question:${questionId}`, 'questions:list']).flush(),
    );
  }

  /** The question's activity and the stream version it reflects; 404 for an unknown question. */
  async activity(questionId: number) {
    const question = await this.questions.findById(questionId);
    const { state, version } = await this.state.get<QuestionActivity>(`question:${questionId}`);
    // Before its first event a question's counts are still only in its row.
    const counts =
      version === 0 ? { ...state, score: question.score, answers: question.answerCount } : state;
    return { streamId: `question:${questionId}`, version, ...counts };
  }

  /** Stops a reconciliation still running after the question it is at (the next start does it again). */
  stopReconciling(): void {
    this.stopping = true;
  }

  onApplicationShutdown(): void {
    this.stopReconciling();
  }

  /**
   * Finds vote and answer rows their question's stream does not count (and the reverse), left
   * by versions that wrote the row and the event separately, and repairs them: a row the stream
   * misses is counted, an answer row deleted without its event is uncounted, a vote the stream
   * holds without its row gets its row back (the row is what stops a second vote), and the
   * `score`/`answer_count` projection is set from the stream. Logs what it fixed. The web app
   * runs it at start (ReconcileOnStart); writes made meanwhile are safe (each question is
   * repaired under its row lock, like a vote).
   */
  async reconcile(): Promise<number> {
    const ids = (await this.questions.repository.find({ select: { id: true } })).map((q) => q.id);
    let fixed = 0;
    for (const id of ids) {
      if (this.stopping) return fixed;
      const repairs = await this.transactions.run((manager) => this.repair(manager, id), {
        retries: 3,
      });
      if (!repairs) continue;
      fixed++;
      this.logger.warn(
        `Reconciled question ${id}: ${repairs.votesCounted} vote(s) and ${repairs.answersCounted} answer(s) counted, ` +
          `${repairs.answersUncounted} deleted answer(s) uncounted, ${repairs.votesRestored} vote row(s) restored` +
          (repairs.projected ? ', score and answer count projected again' : ''),
      );
      await this.cache.tags([`question:${id}`, 'questions:popular', 'questions:list']).flush();
    }
    this.logger.log(`Reconciliation done: ${fixed} of ${ids.length} question(s) repaired.`);
    return fixed;
  }

  private async repair(manager: EntityManager, questionId: number): Promise<Repairs | undefined> {
    await this.lockQuestion(manager, questionId);
    const streamId = `question:${questionId}`;
    const history = await this.state.history(streamId);
    if (history.length === 0) return this.repairUnstreamed(manager, questionId);
    const imported = history[0].type === 'imported' ? Date.parse(history[0].metadata.timestamp) : 0;
    const afterImport = (date: Date) => new Date(date).getTime() > imported;

    const counted = countedByStream(history);
    const repairs: Repairs = {
      votesCounted: 0,
      votesRestored: 0,
      answersCounted: 0,
      answersUncounted: 0,
      projected: false,
    };
    const fixes: { event: EventInput; actor?: string }[] = [];

    const votes = await manager
      .getRepository(Vote)
      .createQueryBuilder('v')
      .select(['v.id', 'v.value', 'v.createdAt'])
      .addSelect('v.user_id', 'userId')
      .where('v.question_id = :questionId', { questionId })
      .getRawAndEntities();
    const rowValue = new Map<number, number>();
    votes.entities.forEach((vote, index) => {
      const userId = Number((votes.raw[index] as { userId: number | string }).userId);
      rowValue.set(userId, vote.value);
      const inStream = counted.votes.get(userId);
      if (inStream === undefined) {
        if (!afterImport(vote.createdAt)) return; // counted by the imported score
        fixes.push({
          event: { type: 'voted', payload: { value: vote.value } },
          actor: `user:${userId}`,
        });
        repairs.votesCounted++;
      } else if (inStream !== vote.value) {
        fixes.push({
          event: { type: 'vote-changed', payload: { from: inStream, to: vote.value } },
          actor: `user:${userId}`,
        });
        repairs.votesCounted++;
      }
    });
    for (const [userId, value] of counted.votes) {
      if (rowValue.has(userId)) continue;
      await manager
        .getRepository(Vote)
        .insert({ user: { id: userId }, question: { id: questionId }, value });
      repairs.votesRestored++;
    }

    const answers = await manager
      .getRepository(Answer)
      .createQueryBuilder('a')
      .withDeleted()
      .select(['a.id', 'a.createdAt', 'a.deletedAt', 'a.status'])
      .where('a.question_id = :questionId', { questionId })
      .getMany();
    // A held or rejected answer is not counted (decision 0037): for the stream it is not there.
    const gone = (answer: Answer) => Boolean(answer.deletedAt) || answer.status !== 'published';
    for (const answer of answers) {
      const inStream = counted.answers.has(answer.id);
      if (
        !gone(answer) &&
        !inStream &&
        !counted.removed.has(answer.id) &&
        afterImport(answer.createdAt)
      ) {
        fixes.push({
          event: { type: 'answered', payload: { answerId: answer.id } },
          actor: 'system:reconcile',
        });
        repairs.answersCounted++;
      } else if (gone(answer) && inStream) {
        fixes.push({
          event: { type: 'answer-removed', payload: { answerId: answer.id } },
          actor: 'system:reconcile',
        });
        repairs.answersUncounted++;
      }
    }

    // Answers can also be checked by count: `answers` always equals the live rows (the seed and
    // every event keep it so). What the ids above cannot place (a row older than the import
    // whose count the import missed) is counted here, newest first.
    const fixedIds = new Set(
      fixes.map((fix) => (fix.event.payload as { answerId?: number }).answerId),
    );
    const live = answers.filter((answer) => !gone(answer));
    let counting =
      (await this.state.get<QuestionActivity>(streamId)).state.answers +
      repairs.answersCounted -
      repairs.answersUncounted;
    const newestFirst = (a: Answer, b: Answer) => b.id - a.id;
    for (const answer of live
      .filter((a) => !counted.answers.has(a.id) && !fixedIds.has(a.id))
      .sort(newestFirst)) {
      if (counting >= live.length) break;
      fixes.push({
        event: { type: 'answered', payload: { answerId: answer.id } },
        actor: 'system:reconcile',
      });
      repairs.answersCounted++;
      counting++;
    }
    for (const answer of answers
      .filter((a) => gone(a) && !counted.removed.has(a.id) && !fixedIds.has(a.id))
      .sort(newestFirst)) {
      if (counting <= live.length) break;
      fixes.push({
        event: { type: 'answer-removed', payload: { answerId: answer.id } },
        actor: 'system:reconcile',
      });
      repairs.answersUncounted++;
      counting--;
    }

    let state: QuestionActivity | undefined;
    for (const fix of fixes)
      ({ state } = await this.state.dispatch<QuestionActivity>(streamId, fix.event, {
        actor: fix.actor,
        transaction: manager,
      }));
    state ??= (await this.state.get<QuestionActivity>(streamId)).state;
    const row = await manager
      .getRepository(Question)
      .findOne({ where: { id: questionId }, withDeleted: true });
    if (row && (row.score !== state.score || row.answerCount !== state.answers)) {
      await manager
        .getRepository(Question)
        .update({ id: questionId }, { score: state.score, answerCount: state.answers });
      repairs.projected = true;
    }
    return fixes.length || repairs.votesRestored || repairs.projected ? repairs : undefined;
  }

  /**
   * A question without a stream yet: its row holds the counts, and `answer_count` must equal its
   * live answers (a crash between an answer and its first event left it behind).
   */
  private async repairUnstreamed(
    manager: EntityManager,
    questionId: number,
  ): Promise<Repairs | undefined> {
    const questions = manager.getRepository(Question);
    const row = await questions.findOne({ where: { id: questionId }, withDeleted: true });
    const live = await manager
      .getRepository(Answer)
      .count({ where: { question: { id: questionId }, status: 'published' } });
    if (!row || row.answerCount === live) return undefined;
    await questions.update({ id: questionId }, { answerCount: live });
    return {
      votesCounted: 0,
      votesRestored: 0,
      answersCounted: 0,
      answersUncounted: 0,
      projected: true,
    };
  }

  /**
   * Every write to a question's activity holds its row first: writers of one question, on any
   * node, take turns, so the stream never sees two at once. SQLite runs one transaction at a
   * time anyway (TransactionHost) and has no FOR UPDATE. The wait in line has its own deadline
   * (lockRows), not the 1 s query deadline: a busy question is a queue, not an outage.
   */
  private async lockQuestion(manager: EntityManager, questionId: number): Promise<void> {
    if (manager.connection.options.type === 'better-sqlite3') return;
    await lockRows(manager, 'SELECT id FROM questions WHERE id = ? FOR UPDATE', [questionId]);
  }

  /** Appends in the caller's transaction and updates the projection in it. */
  private async record(
    manager: EntityManager,
    questionId: number,
    event: EventInput,
    actor?: string,
  ) {
    const questions = manager.getRepository(Question);
    const question = await questions.findOneOrFail({
      where: { id: questionId },
      withDeleted: true,
    });
    // A question from before streams existed starts its stream with the counts it had.
    const { state, version } = await this.state.dispatch<QuestionActivity>(
      `question:${questionId}`,
      (_current, version) =>
        version === 0
          ? [
              {
                type: 'imported',
                payload: { score: question.score, answers: question.answerCount },
              },
              event,
            ]
          : event,
      { actor, transaction: manager },
    );
    await questions.update({ id: questionId }, { score: state.score, answerCount: state.answers });
    return { state, version };
  }
}

/** Per user their vote, and the answers, as the stream counts them. */
function countedByStream(history: StateEvent[]) {
  const votes = new Map<number, number>();
  const answers = new Set<number>();
  const removed = new Set<number>();
  for (const event of history) {
    const user = /^user:(\d+)$/.exec(event.metadata.actor ?? '')?.[1];
    const payload = event.payload as { value?: number; to?: number; answerId?: number };
    if (event.type === 'voted' && user) votes.set(Number(user), payload.value!);
    else if (event.type === 'vote-changed' && user) votes.set(Number(user), payload.to!);
    else if (event.type === 'answered') answers.add(payload.answerId!);
    else if (event.type === 'answer-removed') {
      answers.delete(payload.answerId!);
      removed.add(payload.answerId!);
    }
  }
  return { votes, answers, removed };
}
