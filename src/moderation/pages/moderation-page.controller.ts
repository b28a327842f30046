import { LivePage } from '@lattice/live';
import { Roles } from '@lattice/security';
import { Controller, Get } from '@nestjs/common';

/** `/moderation`: the moderators' live queue. */
@Controller()
export class ModerationPageController {
  @Get('moderation')
  @Roles('moderator')
  @LivePage('moderation-queue', { title: 'Moderation · Lattice Forum', layout: 'site' })
  queue() {
    return {};
  }
}
