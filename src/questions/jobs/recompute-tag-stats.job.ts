import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Job, JobContext, QueueJob } from '@lattice/queue';
import { Logger } from '@nestjs/common';
import { Tag } from '../tag.entity';

/**
 * Recounts the questions under every tag into `tags.question_count`, so tag lists read a
 * column instead of counting joins. Runs every ten minutes (first at boot) and after seeding.
 */
@QueueJob({
  queue: 'maintenance',
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  timeout: 60_000,
  schedule: { every: 600_000 },
})
export class RecomputeTagStats extends Job<void, { tags: number }> {
  private readonly logger = new Logger('TagStats');

  constructor(@InjectLatticeRepository(Tag) private readonly tags: LatticeRepository<Tag>) {
    super();
  }

  async handle(_: void, context: JobContext): Promise<{ tags: number }> {
    // One statement, so readers never see half-updated counts.
    await this.tags.repository.query(
      `UPDATE tags SET question_count = (
         SELECT COUNT(*) FROM question_tags qt
         JOIN questions q ON q.id = qt.questions_id AND q.deleted_at IS NULL
           AND q.status = 'published'
         WHERE qt.tags_id = tags.id)`,
    );
    const count = await this.tags.repository.count();
    await context.progress(100);
    this.logger.log(`Recounted questions for ${count} tags`);
    return { tags: count };
  }
}
