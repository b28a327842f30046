import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import {
  Component,
  ComponentService,
  html,
  type LiveContext,
  On,
  OnLivePublish,
  repeat,
} from '@lattice/live';
import { OnChannel } from '@lattice/live/channels';
import { z } from 'zod';
import { QuestionActivityService, SCORES_TOPIC } from '../question-activity.service';
import { QuestionRepository } from '../question.repository';
import { Tag } from '../tag.entity';
import { sidebar } from '../../layout/partials';

interface Row {
  id: number;
  title: string;
  author: string;
  score: number;
  answers: number;
}

export interface QuestionListState {
  tag?: string;
  /** Words typed in the filter box: only titles containing them are shown. */
  filter: string;
  questions: Row[];
  tags: Array<{ name: string; questionCount: number }>;
  /** Shown above the list: why a vote did not count. */
  notice?: string;
}

const LOGIN_TO_VOTE = 'Log in to vote.';

/** The home page: the newest questions with live vote counts, the tags beside them. */
// Anonymous first paints are cached for 5 s (a vote flushes them); the live session mounts afresh.
@Component({ name: 'question-list', cache: { ttl: 5_000, tags: () => ['questions:list'] } })
export class QuestionList
  extends ComponentService<{ tag?: string }, QuestionListState>
  implements OnLivePublish<QuestionListState>
{
  constructor(
    private readonly questions: QuestionRepository,
    @InjectLatticeRepository(Tag) private readonly tags: LatticeRepository<Tag>,
    private readonly activity: QuestionActivityService,
  ) {
    super();
  }

  async mount({ tag }: { tag?: string }): Promise<QuestionListState> {
    const query = this.questions
      .createQueryBuilder('q')
      .innerJoinAndSelect('q.author', 'author')
      .where('q.status = :published', { published: 'published' })
      .orderBy('q.createdAt', 'DESC')
      .addOrderBy('q.id', 'DESC')
      .limit(20);
    if (tag) query.innerJoin('q.tags', 'tag', 'tag.name = :tag', { tag });
    const [rows, tags] = await Promise.all([
      query.getMany(),
      this.tags.repository.find({ order: { questionCount: 'DESC', name: 'ASC' }, take: 12 }),
    ]);
    return {
      tag,
      filter: '',
      questions: rows.map((q) => ({
        id: q.id,
        title: q.title,
        author: q.author.name,
        score: q.score,
        answers: q.answerCount,
      })),
      tags: tags.map((t) => ({ name: t.name, questionCount: t.questionCount })),
    };
  }

  render(state: QuestionListState) {
    const needle = state.filter.trim().toLowerCase();
    const shown = needle
      ? state.questions.filter((q) => q.title.toLowerCase().includes(needle))
      : state.questions;
    return html`<div class="layout"><main><h2>${state.tag ? `Questions tagged ${state.tag}` : 'Newest questions'}</h2>${state.notice ? html`<p class="notice" role="status">${state.notice} <a href="/login">Log in</a> or <a href="/signup">sign up</a>.</p>` : ''}<input type="search" name="q" value="${state.filter}" placeholder="Filter these questions" data-l-change="filter" aria-label="Filter questions"><ul class="questions">${repeat(
      shown,
      (q) => q.id,
      (q) =>
        html`<li id="q${q.id}"><span class="vote"><button data-l-click="vote" data-l-value-id="${q.id}" aria-label="Vote up">▲</button> <b>${q.score}</b></span><a href="/q/${q.id}">${q.title}</a> <small>${q.author} · ${q.answers} answers</small></li>`,
    )}</ul></main>${sidebar(state.tags, state.tag)}</div>`;
  }

  @On('filter', z.object({ q: z.string().max(100) }))
  filter({ q }: { q: string }): void {
    this.setState({ filter: q });
  }

  /** One vote up by the logged-in visitor, recorded on the question's state stream. */
  @On('vote', z.object({ id: z.coerce.number().int().positive() }))
  async vote(
    { id }: { id: number },
    _state: QuestionListState,
    context: LiveContext,
  ): Promise<void> {
    if (!context.identity) return this.setState({ notice: LOGIN_TO_VOTE });
    await this.activity.vote(id, 1, Number(context.identity.id));
  }

  /** A new question goes on top of the list (when it matches the tag shown). */
  @OnChannel('questions', 'question.asked')
  asked(question: { id: number; title: string; author: string; tags: string[] }) {
    this.update((s) =>
      (s.tag && !question.tags.includes(s.tag)) || s.questions.some((q) => q.id === question.id)
        ? s
        : {
            ...s,
            questions: [
              {
                id: question.id,
                title: question.title,
                author: question.author,
                score: 0,
                answers: 0,
              },
              ...s.questions,
            ].slice(0, 20),
          },
    );
  }

  subscriptions(): string[] {
    return [SCORES_TOPIC];
  }

  onPublish(_topic: string, payload: unknown): void {
    const { id, score } = payload as { id: number; score: number };
    if (!this.state.questions.some((q) => q.id === id)) return;
    this.update((s) => ({
      ...s,
      questions: s.questions.map((q) => (q.id === id ? { ...q, score } : q)),
    }));
  }
}
