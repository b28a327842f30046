import { Component, ComponentService, html, type LiveContext, On, repeat } from '@lattice/live';
import { OnChannel } from '@lattice/live/channels';
import { HttpException } from '@nestjs/common';
import { z } from 'zod';
import { PostVisibility, type Viewer } from '../../questions/post-visibility';
import {
  type HeldKind,
  heldKey,
  type HeldPostView,
  MODERATION_CHANNEL,
} from '../moderation.events';
import { ModerationService } from '../moderation.service';

export interface ModerationQueueState {
  allowed: boolean;
  posts: HeldPostView[];
  /** The last decision, or why it did not happen. */
  notice?: string;
}

const decision = z.object({
  kind: z.enum(['question', 'answer']),
  id: z.coerce.number().int().positive(),
});

/**
 * The moderators' queue (`/moderation`): held posts, oldest first. A post the moderation holds
 * anywhere appears at once (the private channel `moderation`), and one another moderator
 * decided leaves it.
 */
@Component({ name: 'moderation-queue' })
export class ModerationQueue extends ComponentService<Record<string, never>, ModerationQueueState> {
  constructor(
    private readonly moderation: ModerationService,
    private readonly visibility: PostVisibility,
  ) {
    super();
  }

  async mount(_props: Record<string, never>, context: LiveContext): Promise<ModerationQueueState> {
    if (!this.isModerator(context)) return { allowed: false, posts: [] };
    return { allowed: true, posts: await this.moderation.queue() };
  }

  render({ allowed, posts, notice }: ModerationQueueState) {
    if (!allowed)
      return html`<main class="moderation"><h2>Moderation</h2><p>For moderators only. <a href="/login?next=/moderation">Log in</a> as one.</p></main>`;
    return html`<main class="moderation"><h2>Awaiting review <span class="held-count">${posts.length}</span></h2>${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${posts.length ? '' : html`<p class="empty">Nothing is waiting: every new post passed the moderation.</p>`}<ol class="held">${repeat(
      posts,
      (post) => heldKey(post),
      (post) =>
        html`<li id="held-${heldKey(post)}" data-kind="${post.kind}"><p><b>${post.kind === 'question' ? 'Question' : 'Answer to'}</b> <a href="/q/${post.questionId}">${post.questionTitle}</a> <small>by ${post.author.name}</small></p><blockquote>${post.text}</blockquote><p class="reason"><small>${post.reason ?? ''}</small></p><button data-l-click="approve" data-l-value-kind="${post.kind}" data-l-value-id="${post.id}">Approve</button> <button data-l-click="reject" data-l-value-kind="${post.kind}" data-l-value-id="${post.id}">Reject</button></li>`,
    )}</ol></main>`;
  }

  @On('approve', decision)
  approve(
    { kind, id }: { kind: HeldKind; id: number },
    _s: ModerationQueueState,
    context: LiveContext,
  ) {
    return this.decide(context, kind, id, 'approve');
  }

  @On('reject', decision)
  reject(
    { kind, id }: { kind: HeldKind; id: number },
    _s: ModerationQueueState,
    context: LiveContext,
  ) {
    return this.decide(context, kind, id, 'reject');
  }

  @OnChannel(MODERATION_CHANNEL, 'post.held')
  held(post: HeldPostView) {
    this.update((s) =>
      s.posts.some((p) => heldKey(p) === heldKey(post)) ? s : { ...s, posts: [...s.posts, post] },
    );
  }

  @OnChannel(MODERATION_CHANNEL, 'post.moderated')
  moderated(post: { kind: HeldKind; id: number }) {
    this.update((s) => ({ ...s, posts: s.posts.filter((p) => heldKey(p) !== heldKey(post)) }));
  }

  private async decide(
    context: LiveContext,
    kind: HeldKind,
    id: number,
    action: 'approve' | 'reject',
  ): Promise<void> {
    if (!this.isModerator(context))
      return this.setState({ notice: 'Only moderators may approve or reject posts.' });
    const moderatorId = Number(context.identity!.id);
    try {
      await this.moderation[action](kind, id, moderatorId);
      this.update((s) => ({
        ...s,
        posts: s.posts.filter((p) => heldKey(p) !== heldKey({ kind, id })),
        notice: `${kind === 'question' ? 'Question' : 'Answer'} ${id} ${action === 'approve' ? 'approved' : 'rejected'}.`,
      }));
    } catch (error) {
      if (!(error instanceof HttpException) || error.getStatus() >= 500) throw error;
      this.setState({ notice: error.message });
    }
  }

  private isModerator(context: LiveContext): boolean {
    return this.visibility.isModerator(context.identity as Viewer | null);
  }
}
