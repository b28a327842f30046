import { Module } from '@nestjs/common';
import { SiteLayoutModule } from '../layout/site-layout.module';
import { QuestionsModule } from '../questions/questions.module';
import { ModerationChannels } from './moderation-channels';
import { ModerationController } from './moderation.controller';
import { ModerationService } from './moderation.service';
import { ModerationPageController } from './pages/moderation-page.controller';
import { ModerationQueue } from './pages/moderation-queue.component';

/**
 * The moderation hold's other half (decision 0037): the queue of held posts for moderators, as
 * a live page (`/moderation`) and JSON, and their decisions. New posts are checked in
 * QuestionsService (PostModeration).
 */
@Module({
  imports: [QuestionsModule, SiteLayoutModule],
  controllers: [ModerationController, ModerationPageController],
  providers: [ModerationService, ModerationChannels, ModerationQueue],
})
export class ModerationModule {}
