import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { User } from '../users/user.entity';
import { Answer } from './answer.entity';
import { AnswerOwners } from './answer-owners';
import { WriteLimits } from './write-limits';
import { QuestionChannels } from './question-channels';
import { NotifyQuestionAuthor } from './jobs/notify-question-author.job';
import { RecomputeTagStats } from './jobs/recompute-tag-stats.job';
import { QuestionActivityService } from './question-activity.service';
import { QuestionActivityState } from './question-activity.state';
import { QuestionRepository } from './question.repository';
import { QuestionsController } from './questions.controller';
import { QuestionsService } from './questions.service';
import { Tag } from './tag.entity';
import { TagsController } from './tags.controller';
import { Vote } from './vote.entity';

@Module({
  imports: [DatabaseModule.forFeature([QuestionRepository, Answer, Tag, Vote, User])],
  controllers: [QuestionsController, TagsController],
  providers: [
    QuestionsService,
    AnswerOwners,
    WriteLimits,
    QuestionChannels,
    QuestionActivityState,
    QuestionActivityService,
    NotifyQuestionAuthor,
    RecomputeTagStats,
  ],
  exports: [QuestionsService, QuestionActivityService],
})
export class QuestionsModule {}
