import { Public } from '@lattice/core';
import { LivePage } from '@lattice/live';
import { Controller, Get, Query } from '@nestjs/common';

/** The home page: the live question list. */
@Public()
@Controller()
export class LiveHomeController {
  @Get()
  @LivePage('question-list', { title: 'Lattice Forum', layout: 'site' })
  home(@Query('tag') tag?: string): { tag?: string } {
    return { tag: typeof tag === 'string' && /^[a-z0-9-]{1,50}$/.test(tag) ? tag : undefined };
  }
}
