import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { Answer } from './answer.entity';
import { AnswerOwners } from './answer-owners';
import { WriteLimits } from './write-limits';
import { PostVisibility } from './post-visibility';
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

/** The feature's repositories, registered once; the question pages use them too. */
const questionRepositories = DatabaseModule.forFeature([QuestionRepository, Answer, Tag, Vote]);

/**
 * Questions, answers, tags and votes: their JSON API, the services and jobs behind it, and each
 * question's activity stream. The pages are QuestionPagesModule (pages/), so the command line
 * loads this module without any page.
 */
@Module({
  imports: [questionRepositories, UsersModule],
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
    PostVisibility,
  ],
  exports: [questionRepositories, QuestionsService, QuestionActivityService, PostVisibility],
})
export class QuestionsModule {}
