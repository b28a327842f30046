import { OutputModerationPlugin } from '@lattice/ai';
import { Injectable } from '@nestjs/common';
import type { PostStatus } from '../questions/question.entity';

/** What the moderation decided for a new post. */
export interface ModerationVerdict {
  status: Extract<PostStatus, 'published' | 'held'>;
  /** For moderators: what flagged it (categories and scores), or why it could not be checked. */
  reason: string | null;
}

/**
 * Checks a new question or answer with `OutputModerationPlugin.check()`, the plugin that also
 * checks the assistant's drafts: one configuration (ForumAiModule: fail closed) moderates what
 * members and models write. It asks `AIManager.moderate()`: the offline heuristic by default, a
 * configured server's moderation first when there is one. A flagged post is held for the
 * moderators; so is one nobody could check (decision 0037).
 */
@Injectable()
export class PostModeration {
  constructor(private readonly moderation: OutputModerationPlugin) {}

  async check(text: string, userId: number): Promise<ModerationVerdict> {
    const flag = await this.moderation.check(text, {
      user: String(userId),
      metadata: { feature: 'post-moderation' },
    });
    if (!flag || flag.severity === 'info') return { status: 'published', reason: null };
    return { status: 'held', reason: flag.reason.slice(0, 200) };
  }
}
