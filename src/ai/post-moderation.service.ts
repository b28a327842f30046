import { AIManager } from '@lattice/ai';
import { Injectable, Logger } from '@nestjs/common';
import type { PostStatus } from '../questions/question.entity';

/** What the moderation decided for a new post. */
export interface ModerationVerdict {
  status: Extract<PostStatus, 'published' | 'held'>;
  /** For moderators: the categories that flagged it, or why it could not be checked. */
  reason: string | null;
}

/** A category at or above this score is named in the reason. */
const NAMED = 0.5;

/**
 * Checks a new question or answer with `AIManager.moderate()` (the offline heuristic by default,
 * a configured server's moderation first when there is one). A flagged post is held for the
 * moderators. When no provider can check it, it is held too: a post nobody checked is not
 * published unseen (decision 0037).
 */
@Injectable()
export class PostModeration {
  private readonly logger = new Logger('Moderation');

  constructor(private readonly ai: AIManager) {}

  async check(text: string, userId: number): Promise<ModerationVerdict> {
    try {
      const { flagged, categories } = await this.ai.moderate({
        text,
        user: String(userId),
        // The same text checked twice is the same verdict; a cached one is free.
        metadata: { feature: 'post-moderation' },
      });
      if (!flagged) return { status: 'published', reason: null };
      const named = Object.entries(categories)
        .filter(([, score]) => score >= NAMED)
        .sort((a, b) => b[1] - a[1])
        .map(([category, score]) => `${category} ${score.toFixed(2)}`);
      const reason = `flagged: ${named.join(', ') || 'by the moderation'}`;
      return { status: 'held', reason: reason.slice(0, 200) };
    } catch (error) {
      this.logger.warn(`Could not check a post, holding it for review: ${String(error)}`);
      return { status: 'held', reason: 'not checked: the moderation was unavailable' };
    }
  }
}
