import { ZodPipe } from '@lattice/core';
import { CurrentUser, Roles } from '@lattice/security';
import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { IdPipe } from '../questions/id.pipe';
import type { HeldKind, HeldPostView } from './moderation.events';
import { ModerationService } from './moderation.service';

const kind = z.enum(['question', 'answer'], { error: 'not one of question, answer' });

/**
 * The moderators' queue as JSON (the page is `/moderation`): `GET /moderation/queue`,
 * `POST /moderation/:kind/:id/approve` and `…/reject` → 204. Moderators and admins only.
 */
@Controller('moderation')
@Roles('moderator')
export class ModerationController {
  constructor(private readonly moderation: ModerationService) {}

  @Get('queue')
  queue(): Promise<HeldPostView[]> {
    return this.moderation.queue();
  }

  @Post(':kind/:id/approve')
  @HttpCode(204)
  approve(
    @Param('kind', new ZodPipe(kind)) what: HeldKind,
    @Param('id', IdPipe) id: number,
    @CurrentUser('id') moderatorId: string,
  ): Promise<void> {
    return this.moderation.approve(what, id, Number(moderatorId));
  }

  @Post(':kind/:id/reject')
  @HttpCode(204)
  reject(
    @Param('kind', new ZodPipe(kind)) what: HeldKind,
    @Param('id', IdPipe) id: number,
    @CurrentUser('id') moderatorId: string,
  ): Promise<void> {
    return this.moderation.reject(what, id, Number(moderatorId));
  }
}
