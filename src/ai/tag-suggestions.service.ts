import { AIManager } from '@lattice/ai';
import { Injectable } from '@nestjs/common';
import { OFFLINE } from './forum-ai';
import { type SimilarQuestion } from './similar-questions.service';

/** How many tags the ask page suggests at most. */
const SUGGESTED = 3;

/**
 * Tags for a question being asked, from the Forum's tag list only (a question takes existing
 * tags): a tag the text's keywords name (`redis` in "Redis streams drop messages") comes first,
 * then the tags the most similar questions carry, weighted by how similar they are. Keywords
 * come from the offline provider: cheap enough to run on every pause in typing.
 */
@Injectable()
export class TagSuggestions {
  constructor(private readonly ai: AIManager) {}

  async suggest(
    text: string,
    tags: readonly string[],
    similar: readonly SimilarQuestion[],
    user?: string,
  ): Promise<string[]> {
    if (text.trim().length < 3) return [];
    const votes = new Map<string, number>();
    const vote = (tag: string, weight: number) => votes.set(tag, (votes.get(tag) ?? 0) + weight);
    const { keywords } = await this.ai.keywords({
      text,
      limit: 8,
      provider: OFFLINE,
      user,
      metadata: { feature: 'tag-suggestions' },
    });
    const words = new Set(
      [...keywords, ...text.split(/[^\p{L}\p{N}.+#-]+/u)].flatMap((k) =>
        k.toLowerCase().split(/\s+/),
      ),
    );
    for (const tag of tags) if (words.has(tag) || words.has(tag.replace(/-/g, ''))) vote(tag, 2);
    for (const question of similar)
      for (const tag of question.tags) if (tags.includes(tag)) vote(tag, question.score);
    return [...votes.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, SUGGESTED)
      .map(([tag]) => tag);
  }
}
