import { OutputModerationPlugin } from '@lattice/ai';
import { ClusterQueueModule } from '@lattice/cluster/queue';
import { LatticeConfig } from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import { Global, Module } from '@nestjs/common';
import { forumConfigShape } from '../forum.config';
import { Answer } from '../questions/answer.entity';
import { Question } from '../questions/question.entity';
import { AnswerSummaries } from './answer-summaries.service';
import { SummarizeAnswers } from './summarize-answers.job';
import { AI_ROUTED_QUEUE, FORUM_AI_SETTINGS, forumAi, forumAiSettings } from './forum-ai';
import { PostModeration } from './post-moderation.service';
import { SimilarQuestions } from './similar-questions.service';
import { TagSuggestions } from './tag-suggestions.service';

/**
 * The Forum's AI features on `@lattice/ai` (decision 0037): similar questions, tag suggestions,
 * answer summaries and the moderation of new posts. Global, and imported by AppModule only: the
 * questions' services take these as optional, so the command line (which loads QuestionsModule
 * without AI) writes posts unchecked, as the seed does.
 */
@Global()
@Module({
  imports: [
    forumAi(),
    DatabaseModule.forFeature([Question, Answer]),
    // AI work routed to nodes with the AI server (capability `ai`, decision 0047).
    ClusterQueueModule.forRoot({ queues: [AI_ROUTED_QUEUE] }),
  ],
  providers: [
    // An @AiPlugin: it also flags the assistant's drafts. Fail closed: a post nobody could
    // check is held, not published.
    OutputModerationPlugin.configure({ severity: 'block', failClosed: true }),
    SimilarQuestions,
    TagSuggestions,
    AnswerSummaries,
    SummarizeAnswers,
    PostModeration,
    {
      provide: FORUM_AI_SETTINGS,
      inject: [LatticeConfig],
      useFactory: (config: LatticeConfig<typeof forumConfigShape>) => forumAiSettings(config),
    },
  ],
  exports: [SimilarQuestions, TagSuggestions, AnswerSummaries, PostModeration, FORUM_AI_SETTINGS],
})
export class ForumAiModule {}
