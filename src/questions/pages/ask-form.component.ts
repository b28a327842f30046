import { AIManager, type AiStream } from '@lattice/ai';
import { type AiLiveText, aiLiveText, aiText, LiveAiStreams, StreamInto } from '@lattice/ai/live';
import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Component, ComponentService, html, type LiveContext, On, repeat } from '@lattice/live';
import { Inject, Optional } from '@nestjs/common';
import { z } from 'zod';
import { ASSISTANT, FORUM_AI_SETTINGS, type ForumAiSettings } from '../../ai/forum-ai';
import { type SimilarQuestion, SimilarQuestions } from '../../ai/similar-questions.service';
import { TagSuggestions } from '../../ai/tag-suggestions.service';
import { Tag } from '../tag.entity';

export interface AskFormState {
  loggedIn: boolean;
  tags: string[];
  /** What the title and details fields held when they were last sent (debounced). */
  title: string;
  details: string;
  /** Published questions whose titles are close to the title typed. */
  similar: Pick<SimilarQuestion, 'id' | 'title'>[];
  /** Tags suggested for what is typed; a click checks one. */
  suggested: string[];
  /** Tags checked from a suggestion. */
  picked: string[];
  /** An OpenAI-compatible server is configured: the assistant box is shown. */
  assistant: boolean;
  /** The assistant's draft answer, streamed (`@StreamInto('draft')`). */
  draft: AiLiveText;
  /** Why the assistant could not start. */
  assistantNotice?: string;
}

/** What the assistant is told: it drafts, the member decides. */
const ASSISTANT_SYSTEM =
  'You help members of a developer Q&A forum about NestJS, TypeScript, databases, Redis, queues and real-time web apps. ' +
  'Draft a short, practical answer to the question being asked. If it is unclear, say what is missing.';

const title = z.object({ title: z.string().max(200) });
const body = z.object({ body: z.string().max(20_000) });

/**
 * The "ask a question" form (`/ask`). As the title is typed (debounced), similar questions
 * appear under it, and tags are suggested from the title and details (decision 0037). The form
 * itself is posted by `/assets/forum.js` to `POST /questions` with the page's CSRF token.
 */
@Component({ name: 'ask-form' })
export class AskForm extends ComponentService<Record<string, never>, AskFormState> {
  constructor(
    @InjectLatticeRepository(Tag) private readonly tags: LatticeRepository<Tag>,
    @Optional() private readonly similarQuestions?: SimilarQuestions,
    @Optional() private readonly tagSuggestions?: TagSuggestions,
    @Optional() @Inject(FORUM_AI_SETTINGS) private readonly ai?: ForumAiSettings,
    @Optional() private readonly manager?: AIManager,
    @Optional() private readonly streams?: LiveAiStreams,
  ) {
    super();
  }

  async mount(_props: Record<string, never>, context: LiveContext): Promise<AskFormState> {
    const tags = await this.tags.repository.find({ order: { name: 'ASC' } });
    return {
      loggedIn: context.identity !== null,
      tags: tags.map((tag) => tag.name),
      title: '',
      details: '',
      similar: [],
      suggested: [],
      picked: [],
      assistant: Boolean(this.ai?.assistant && this.manager && this.streams),
      draft: aiLiveText(),
    };
  }

  render(state: AskFormState) {
    const { loggedIn, tags, similar, suggested, picked } = state;
    if (!loggedIn)
      return html`<main class="account"><h2>Ask a question</h2><p><a href="/login?next=/ask">Log in</a> or <a href="/signup?next=/ask">sign up</a> to ask.</p></main>`;
    return html`<main class="account"><h2>Ask a question</h2><form method="post" data-forum-ask><label>Title <input name="title" required minlength="10" maxlength="200" autocomplete="off" data-l-change="title" data-l-debounce="250"></label><section class="similar" aria-live="polite">${
      similar.length
        ? html`<h3>Similar questions</h3><ul>${repeat(
            similar,
            (q) => q.id,
            (q) => html`<li><a href="/q/${q.id}" target="_blank">${q.title}</a></li>`,
          )}</ul>`
        : ''
    }</section><label>Details <textarea name="body" required maxlength="20000" rows="6" data-l-change="details" data-l-debounce="500"></textarea></label><fieldset><legend>Tags (one to five)</legend>${suggested.length ? html`<p class="suggested">Suggested: ${suggested.map((tag) => html`<a href="#" role="button" class="tag" data-l-click="pick" data-l-value-tag="${tag}">${tag}</a> `)}</p>` : ''}${tags.map((tag) => html`<label class="tag">${picked.includes(tag) ? html`<input type="checkbox" name="tags" value="${tag}" checked>` : html`<input type="checkbox" name="tags" value="${tag}">`} ${tag}</label> `)}</fieldset><button>Ask</button><p class="error" role="alert" hidden></p></form>${this.assistantBox(state)}</main>`;
  }

  @On('title', title)
  async title({ title }: { title: string }, state: AskFormState, context: LiveContext) {
    const similar = (await this.similarQuestions?.similar(title, 5, userOf(context))) ?? [];
    const suggested = await this.suggest(
      `${title}\n${state.details}`,
      state.tags,
      similar,
      context,
    );
    this.setState({
      title,
      similar: similar.map(({ id, title }) => ({ id, title })),
      suggested,
    });
  }

  @On('details', body)
  async details({ body: details }: { body: string }, state: AskFormState, context: LiveContext) {
    const similar = (await this.similarQuestions?.similar(state.title, 5, userOf(context))) ?? [];
    const suggested = await this.suggest(
      `${state.title}\n${details}`,
      state.tags,
      similar,
      context,
    );
    this.setState({ details, suggested });
  }

  @On('pick', z.object({ tag: z.string().max(50) }))
  pick({ tag }: { tag: string }, state: AskFormState) {
    if (!state.tags.includes(tag) || state.picked.includes(tag)) return;
    this.setState({ picked: [...state.picked, tag] });
  }

  private suggest(
    text: string,
    tags: string[],
    similar: SimilarQuestion[],
    context: LiveContext,
  ): Promise<string[]> {
    return (
      this.tagSuggestions?.suggest(text, tags, similar, userOf(context)) ?? Promise.resolve([])
    );
  }

  /**
   * Drafts an answer to the question typed so far, streamed into `draft` piece by piece. The
   * title's and details' last values arrive before the click (a field sends its value when it
   * loses the focus), on the same socket.
   */
  @On('draft')
  @StreamInto('draft')
  draftAnswer(_values: unknown, state: AskFormState, context: LiveContext): AiStream | undefined {
    if (!state.assistant || !this.manager) return undefined;
    const question = `${state.title}\n\n${state.details}`.trim();
    if (question.length < 10) {
      this.setState({
        assistantNotice: 'Type your question first: a title of ten characters or more.',
      });
      return undefined;
    }
    this.setState({ assistantNotice: undefined });
    return this.manager.stream({
      provider: ASSISTANT,
      system: ASSISTANT_SYSTEM,
      prompt: question,
      maxTokens: 600,
      user: userOf(context),
      metadata: { feature: 'assistant' },
    });
  }

  @On('stop')
  stop() {
    this.streams?.cancel('draft');
  }

  private assistantBox(state: AskFormState) {
    if (!state.assistant)
      return html`<aside class="assistant off"><p><small>The assistant is off. Point the Forum at an OpenAI-compatible server (<code>AI_BASE_URL</code>, <code>AI_API_KEY</code>, <code>AI_MODEL</code>) to draft answers here.</small></p></aside>`;
    const { draft, assistantNotice } = state;
    const streaming = draft.status === 'streaming';
    return html`<aside class="assistant" data-status="${draft.status}"><h3>Ask the assistant</h3><p><small>A draft answer to what you typed, by ${this.ai?.model ?? 'the model'}: check it before you rely on it.</small></p>${streaming ? html`<button type="button" data-l-click="stop">Stop</button>` : html`<button type="button" data-l-click="draft">Draft an answer</button>`}${assistantNotice ? html`<p class="notice" role="status">${assistantNotice}</p>` : ''}<div class="draft" aria-live="polite">${aiText(draft)}</div>${draft.status === 'cancelled' ? html`<p class="stopped"><small>Stopped.</small></p>` : ''}${draft.status === 'failed' ? html`<p class="notice" role="status">${draft.error ?? 'The assistant failed.'}</p>` : ''}</aside>`;
  }
}

const userOf = (context: LiveContext) =>
  context.identity ? String(context.identity.id) : undefined;
