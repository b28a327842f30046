import {
  Component,
  ComponentService,
  html,
  type LiveContext,
  On,
  repeat,
  unsafeHTML,
} from '@lattice/live';
import { OnChannel } from '@lattice/live/channels';
import { AuthorizationManager } from '@lattice/security';
import { HttpException, NotFoundException, Optional } from '@nestjs/common';
import { z } from 'zod';
import { QuestionActivityService } from '../question-activity.service';
import { type AnswerView } from '../question.events';
import { answerView, QuestionsService } from '../questions.service';
import { AnswerSummaries } from '../../ai/answer-summaries.service';
import { PostVisibility } from '../post-visibility';
import { MarkdownRenderer } from '../../markdown/markdown.renderer';
import type { PostStatus } from '../question.entity';

interface Viewer {
  id: number;
  roles: string[];
}

export interface QuestionPageState {
  id: number;
  title: string;
  body: string;
  author: string;
  tags: string[];
  /** `held`: shown to its author (and moderators) only, marked "awaiting review". */
  status: PostStatus;
  score: number;
  /** The version of the question's stream the score is from (votes can arrive out of order). */
  version: number;
  answers: AnswerView[];
  /** The logged-in visitor, or null. */
  viewer: Viewer | null;
  /** Why the last action did not happen. */
  notice?: string;
}

const LOGIN = 'Log in to vote or answer.';

const REVIEW: Record<PostStatus, string> = {
  published: '',
  held: 'Awaiting review: the moderation held this post; only you and the moderators see it until a moderator approves it.',
  rejected: 'Rejected by a moderator: only you and the moderators see this post.',
};

/**
 * A question with its answers (`/q/:id`). Answers and votes arrive on the channel
 * `question.<id>` from whoever posts them, on any node; the page follows it with @OnChannel.
 * Who else is viewing is a presence channel the browser follows itself (`/assets/forum.js`).
 */
@Component({ name: 'question-page' })
export class QuestionPage extends ComponentService<{ id: number }, QuestionPageState> {
  constructor(
    private readonly questions: QuestionsService,
    private readonly activity: QuestionActivityService,
    private readonly authorization: AuthorizationManager,
    private readonly visibility: PostVisibility,
    private readonly markdown: MarkdownRenderer,
    @Optional() private readonly summaries?: AnswerSummaries,
  ) {
    super();
  }

  async mount({ id }: { id: number }, context: LiveContext): Promise<QuestionPageState> {
    const [question, activity] = await Promise.all([
      this.questions.find(id),
      this.activity.activity(id),
    ]);
    const identity = context.identity as { id: string; roles?: string[] } | null;
    if (!this.visibility.canSee(question, identity))
      throw new NotFoundException(`Question ${id} was not found.`);
    const answers = question.answers.filter((answer) => this.visibility.canSee(answer, identity));
    // Long answers posted before summaries existed (the seed's) get theirs once, stored.
    await this.summaries?.fill(id, answers);
    return {
      id,
      title: question.title,
      body: question.body,
      author: question.author.name,
      tags: question.tags.map((tag) => tag.name),
      status: question.status,
      score: activity.score,
      version: activity.version,
      answers: [...answers].sort((a, b) => a.id - b.id).map((answer) => answerView(answer)),
      viewer: identity ? { id: Number(identity.id), roles: identity.roles ?? [] } : null,
    };
  }

  render(state: QuestionPageState) {
    const { id, title, body, author, tags, status, score, answers, viewer, notice } = state;
    return html`<div class="layout"><main class="question-page"><h2>${title}</h2>${status === 'published' ? '' : html`<p class="awaiting-review" role="status">${REVIEW[status]}</p>`}<p class="meta"><small>asked by ${author}</small> ${tags.map((tag) => html`<a class="tag" href="/?tag=${tag}">${tag}</a> `)}</p><div class="question-body"><span class="vote"><button data-l-click="vote" data-l-value-value="1" aria-label="Vote up">▲</button> <b class="score">${score}</b> <button data-l-click="vote" data-l-value-value="-1" aria-label="Vote down">▼</button></span><div class="markdown">${this.body(body)}</div></div>${notice ? html`<p class="notice" role="status">${notice}${viewer ? '' : html` <a href="/login?next=/q/${id}">Log in</a> or <a href="/signup?next=/q/${id}">sign up</a>.`}</p>` : ''}<h3><span class="answer-count">${answers.length}</span> answers</h3><ol class="answers">${repeat(
      answers,
      (answer) => answer.id,
      (answer) =>
        html`<li id="a${answer.id}">${answer.status === 'published' ? '' : html`<p class="awaiting-review" role="status">${REVIEW[answer.status]}</p>`}${answer.summary ? html`<p class="summary"><b>In short:</b> ${answer.summary}</p>` : ''}<div class="markdown">${this.body(answer.body)}</div><small>${answer.author.name}</small>${this.mayDelete(viewer, answer) ? html` <button class="delete" data-l-click="delete" data-l-value-answer="${answer.id}">Delete</button>` : ''}</li>`,
    )}</ol>${
      viewer
        ? html`<form class="answer-form" data-l-submit="answer"><label>Your answer <textarea name="body" required maxlength="20000" rows="4"></textarea></label><button>Post your answer</button></form>`
        : html`<p><a href="/login?next=/q/${id}">Log in</a> to answer.</p>`
    }</main></div>`;
  }

  /** A question's or answer's Markdown: sanitized HTML, the one value inserted unescaped. */
  private body(markdown: string) {
    return unsafeHTML(this.markdown.render(markdown));
  }

  /** Moderators delete any answer, members their own (the server checks again on delete). */
  private mayDelete(viewer: Viewer | null, answer: AnswerView): boolean {
    if (!viewer) return false;
    return (
      answer.author.id === viewer.id ||
      this.authorization.hasRole({ id: String(viewer.id), roles: viewer.roles }, 'moderator')
    );
  }

  @On('vote', z.object({ value: z.coerce.number().pipe(z.union([z.literal(1), z.literal(-1)])) }))
  async vote({ value }: { value: 1 | -1 }, state: QuestionPageState, context: LiveContext) {
    if (!context.identity) return this.setState({ notice: LOGIN });
    // The new score comes back on the channel, to this page and every other.
    await this.refusalsAsNotice(() =>
      this.activity.vote(state.id, value, Number(context.identity!.id)),
    );
  }

  @On('answer', z.object({ body: z.string().trim().min(1).max(20_000) }))
  async answer({ body }: { body: string }, state: QuestionPageState, context: LiveContext) {
    if (!context.identity) return this.setState({ notice: LOGIN });
    const posted = await this.refusalsAsNotice(() =>
      this.questions.answer(state.id, Number(context.identity!.id), { body }),
    );
    if (!posted) return;
    // A held answer is on no channel: its author sees it here, marked.
    if (posted.status !== 'published') this.answerPosted(answerView(posted));
    this.setState({ notice: undefined });
  }

  @On('delete', z.object({ answer: z.coerce.number().int().positive() }))
  async delete({ answer }: { answer: number }, state: QuestionPageState, context: LiveContext) {
    const identity = context.identity as { id: string; roles: string[] } | null;
    if (!(await this.authorization.can(identity, 'delete', 'answer', { id: answer })))
      return this.setState({ notice: identity ? 'You may delete only your own answers.' : LOGIN });
    await this.refusalsAsNotice(() =>
      this.questions.deleteAnswer(state.id, answer, Number(identity!.id)),
    );
  }

  /**
   * Runs a write; a refusal the member can act on (too many writes, a vote already counted, an
   * answer already deleted) shows as the page's notice instead of an error frame.
   */
  private async refusalsAsNotice<T>(write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof HttpException) || error.getStatus() >= 500) throw error;
      this.setState({ notice: error.message });
      return undefined;
    }
  }

  @OnChannel('question.{id}', 'answer.posted')
  answerPosted(answer: AnswerView) {
    // Idempotent: an answer posted while the page mounted can be in its data and on the channel.
    this.update((s) =>
      s.answers.some((a) => a.id === answer.id) ? s : { ...s, answers: [...s.answers, answer] },
    );
  }

  @OnChannel('question.{id}', 'answer.removed')
  answerRemoved({ answerId }: { answerId: number }) {
    this.update((s) => ({ ...s, answers: s.answers.filter((a) => a.id !== answerId) }));
  }

  @OnChannel('question.{id}', 'vote.cast')
  voteCast({ score, version }: { score: number; version: number }) {
    // Two nodes can broadcast votes in another order than the stream recorded them.
    this.update((s) => (version > s.version ? { ...s, score, version } : s));
  }
}
