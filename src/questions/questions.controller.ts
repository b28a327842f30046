import { ListQuery, Page } from '@lattice/database';
import { ZodPipe } from '@lattice/core';
import { type AuthUser, Can, CurrentUser, Public } from '@lattice/security';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { Answer } from './answer.entity';
import { IdPipe } from './id.pipe';
import { PostVisibility } from './post-visibility';
import { QuestionActivityService } from './question-activity.service';
import { questionList } from './question-list.query';
import { Question } from './question.entity';
import { QuestionRepository } from './question.repository';
import {
  answerInput,
  type AnswerInput,
  questionInput,
  type QuestionInput,
  QuestionsService,
} from './questions.service';

const voteInput = z.object({ value: z.union([z.literal(1), z.literal(-1)]) });

/** The questions API (JSON). Reading is public; answering, voting and deleting need an account. */
@Controller('questions')
export class QuestionsController {
  constructor(
    private readonly questions: QuestionRepository,
    private readonly service: QuestionsService,
    private readonly activity: QuestionActivityService,
    private readonly visibility: PostVisibility,
  ) {}

  /** `GET /questions?sort=-score&tag=nestjs&limit=20&page=2` or `…&cursor=<next>` */
  @Public()
  @Get()
  list(@Query(questionList.pipe) query: ListQuery<Question>): Promise<Page<Question>> {
    return this.questions.list(query);
  }

  /** `POST /questions` `{ title, body, tags }` → 201 with the question, asked by the logged-in user. */
  @Post()
  @Can('create', 'question')
  async ask(
    @Body(new ZodPipe(questionInput)) input: QuestionInput,
    @CurrentUser('id') userId: string,
  ) {
    const question = await this.service.ask(Number(userId), input);
    return {
      id: question.id,
      title: question.title,
      body: question.body,
      tags: question.tags.map((tag) => tag.name),
      author: { id: question.author.id, name: question.author.name },
      createdAt: question.createdAt,
      // `held`: the moderation flagged it; only its author and the moderators see it for now.
      status: question.status,
    };
  }

  /** The ten best-scored questions (cached for 30 s). */
  @Public()
  @Get('popular')
  popular(): Promise<Question[]> {
    return this.service.popular();
  }

  /**
   * A question with the answers the caller may see: a held question is a 404 to all but its
   * author and the moderators, and so are held answers within it (decision 0037).
   */
  @Public()
  @Get(':id')
  async get(
    @Param('id', IdPipe) id: number,
    @CurrentUser() user: AuthUser | undefined,
  ): Promise<Question> {
    const question = await this.service.find(id);
    if (!this.visibility.canSee(question, user))
      throw new NotFoundException(`Question ${id} was not found.`);
    return {
      ...question,
      answers: question.answers.filter((answer) => this.visibility.canSee(answer, user)),
    } as Question;
  }

  /** `POST /questions/:id/answers` `{ body }` → 201 with the answer, by the logged-in user; the asker is notified by a job. */
  @Post(':id/answers')
  @Can('create', 'answer')
  async answer(
    @Param('id', IdPipe) id: number,
    @Body(new ZodPipe(answerInput)) input: AnswerInput,
    @CurrentUser() user: AuthUser,
  ): Promise<Answer> {
    const answer = await this.service.answer(id, Number(user.id), input);
    return {
      ...answer,
      question: undefined,
      author: { id: answer.author.id, name: answer.author.name },
    } as unknown as Answer;
  }

  /** `GET /questions/:id/activity`: score, answers and last activity from the question's state stream. */
  @Public()
  @Get(':id/activity')
  getActivity(@Param('id', IdPipe) id: number) {
    return this.activity.activity(id);
  }

  /**
   * `POST /questions/:id/votes` `{ value: 1 | -1 }` → 201 with the new activity. One vote per
   * user: the other value changes it, the same value again changes nothing.
   */
  @Post(':id/votes')
  @Can('vote', 'question')
  async vote(
    @Param('id', IdPipe) id: number,
    @Body(new ZodPipe(voteInput)) input: z.output<typeof voteInput>,
    @CurrentUser('id') userId: string,
  ) {
    await this.activity.vote(id, input.value, Number(userId));
    return this.activity.activity(id);
  }

  /** `DELETE /questions/:id/answers/:answerId` → 204: moderators delete any answer, members their own. */
  @Delete(':id/answers/:answerId')
  @HttpCode(204)
  @Can('delete', 'answer', { id: 'answerId' })
  async deleteAnswer(
    @Param('id', IdPipe) id: number,
    @Param('answerId', IdPipe) answerId: number,
    @CurrentUser('id') userId: string,
  ): Promise<void> {
    await this.service.deleteAnswer(id, answerId, Number(userId));
  }
}
