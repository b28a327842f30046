import { Public } from '@lattice/core';
import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Controller, Get } from '@nestjs/common';
import { Tag } from './tag.entity';

@Public()
@Controller('tags')
export class TagsController {
  constructor(@InjectLatticeRepository(Tag) private readonly tags: LatticeRepository<Tag>) {}

  /** Every tag with its question count (kept by the RecomputeTagStats job), busiest first. */
  @Get()
  list(): Promise<Tag[]> {
    return this.tags.repository.find({ order: { questionCount: 'DESC', name: 'ASC' } });
  }
}
