import { AIManager, OFFLINE_EMBEDDING_DIMENSIONS, SparseVectorIndex } from '@lattice/ai';
import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Injectable, Logger } from '@nestjs/common';
import { Question } from '../questions/question.entity';
import { OFFLINE } from './forum-ai';

/** A question the index knows: what the ask page shows of it and what tag suggestions use. */
export interface IndexedQuestion {
  id: number;
  title: string;
  tags: string[];
}

export interface SimilarQuestion extends IndexedQuestion {
  /** Cosine similarity of the titles' embeddings, in [-1, 1]. */
  score: number;
}

/**
 * Questions embedded per call while the index is built: small, and the event loop is let go
 * between batches, because offline embedding is CPU work that would otherwise hold up the
 * requests (and the transactions) of a node that has just started.
 */
const BATCH = 25;
/** Below this similarity a question is not shown as similar (offline embeddings; see 0037). */
export const MIN_SIMILARITY = 0.25;

/**
 * "Similar questions" on the ask page: the titles of published questions as embeddings in a
 * `SparseVectorIndex` (exact cosine; the offline embeddings are sparse), in memory, built at start from the database (SimilarIndexOnStart) and
 * kept current as questions are published (asked, or approved by a moderator) and removed.
 * Embeddings always come from the offline provider, whatever else is configured: every vector
 * of one index must come from one model, and the offline one costs nothing per keystroke.
 */
@Injectable()
export class SimilarQuestions {
  private readonly logger = new Logger('SimilarQuestions');
  private readonly index = new SparseVectorIndex<number>({
    dimensions: OFFLINE_EMBEDDING_DIMENSIONS,
  });
  private readonly questions = new Map<number, IndexedQuestion>();
  /** Removed while the index was being built: the build must not put them back. */
  private readonly removedDuringBuild = new Set<number>();
  private building: Promise<void> | undefined;
  private loading = false;
  private built = false;

  constructor(
    private readonly ai: AIManager,
    @InjectLatticeRepository(Question) private readonly rows: LatticeRepository<Question>,
  ) {}

  /**
   * Builds the index from the published questions (once; later calls wait for the same build).
   * A build that fails (the database not migrated or unreachable yet) is tried again by the
   * next search.
   */
  build(): Promise<void> {
    this.building ??= this.load().then(
      () => {
        this.built = true;
      },
      (error: unknown) => {
        this.building = undefined;
        this.logger.warn(
          `Similar questions index not built, tried again on the next search: ${String(error)}`,
        );
      },
    );
    return this.building;
  }

  /** Resolves once the index holds what the database held at start. */
  ready(): Promise<void> {
    return this.build();
  }

  get size(): number {
    return this.questions.size;
  }

  /** The published questions whose titles are closest to `text`, best first. */
  async similar(text: string, limit = 5, user?: string): Promise<SimilarQuestion[]> {
    const query = text.trim();
    if (!this.built) void this.build();
    if (query.length < 3 || this.questions.size === 0) return [];
    const [vector] = await this.embed([query], user);
    return this.index
      .search(vector, {
        k: limit,
        threshold: MIN_SIMILARITY,
        filter: (id) => this.questions.has(id),
      })
      .map((hit) => ({ ...this.questions.get(hit.id)!, score: hit.score }));
  }

  /** A question was published: it can be found from now on. */
  async add(question: IndexedQuestion): Promise<void> {
    const [vector] = await this.embed([question.title]);
    this.removedDuringBuild.delete(question.id);
    this.index.upsert(question.id, vector);
    this.questions.set(question.id, question);
  }

  /** A question was rejected or deleted. */
  remove(id: number): void {
    if (this.loading) this.removedDuringBuild.add(id);
    this.index.remove(id);
    this.questions.delete(id);
  }

  private async load(): Promise<void> {
    this.loading = true;
    try {
      await this.loadPages();
    } finally {
      this.loading = false;
      this.removedDuringBuild.clear();
    }
  }

  private async loadPages(): Promise<void> {
    const started = Date.now();
    let after = 0;
    for (;;) {
      const page = await this.rows.repository
        .createQueryBuilder('q')
        .leftJoinAndSelect('q.tags', 'tag')
        .where('q.status = :published', { published: 'published' })
        .andWhere('q.id > :after', { after })
        .orderBy('q.id', 'ASC')
        .take(BATCH)
        .getMany();
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      await new Promise((resolve) => setImmediate(resolve));
      const vectors = await this.embed(page.map((q) => q.title));
      page.forEach((q, i) => {
        if (this.removedDuringBuild.has(q.id) || this.questions.has(q.id)) return;
        this.index.upsert(q.id, vectors[i]);
        this.questions.set(q.id, { id: q.id, title: q.title, tags: q.tags.map((t) => t.name) });
      });
    }
    this.logger.log(
      `Indexed ${this.questions.size} questions for similar-question search in ${Date.now() - started} ms`,
    );
  }

  private async embed(input: string[], user?: string): Promise<number[][]> {
    const response = await this.ai.embed({
      input,
      provider: OFFLINE,
      user,
      metadata: { feature: 'similar-questions' },
    });
    return response.embeddings;
  }
}
