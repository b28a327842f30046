import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SeedOnStart } from '../database/forum-database';
import { SimilarQuestions } from './similar-questions.service';

/**
 * Builds the similar-questions index in the background once the start's seeding is over (an
 * index built before would miss the seeded questions). The start does not wait for it; until it
 * is done, the ask page finds fewer similar questions.
 */
@Injectable()
export class SimilarIndexOnStart implements OnApplicationBootstrap {
  constructor(
    private readonly seed: SeedOnStart,
    private readonly similar: SimilarQuestions,
  ) {}

  onApplicationBootstrap(): void {
    void this.seed.done.then(() => this.similar.build());
  }
}
