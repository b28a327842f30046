import { ListQuery, Page } from '@lattice/database';
import { ZodPipe } from '@lattice/core';
import { Body, Controller, Get, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Answer } from './answer.entity';
import { QuestionActivityService } from './question-activity.service';
import { questionList } from './question-list.query';
import { Question } from './question.entity';
import { QuestionRepository } from './question.repository';
import { answerInput, type AnswerInput, QuestionsService } from './questions.service';

const voteInput = z.object({ value: z.union([z.literal(1), z.literal(-1)]) });

/** The questions API (JSON). The live page arrives with @lattice/live. */
@Controller('questions')
export class QuestionsController {
  constructor(
    private readonly questions: QuestionRepository,
    private readonly service: QuestionsService,
    private readonly activity: QuestionActivityService,
  ) {}

  /** `GET /questions?sort=-score&tag=nestjs&limit=20&page=2` or `…&cursor=<next>` */
  @Get()
  list(@Query(questionList.pipe) query: ListQuery<Question>): Promise<Page<Question>> {
    return this.questions.list(query);
  }

  /** The ten best-scored questions (cached for 30 s). */
  @Get('popular')
  popular(): Promise<Question[]> {
    return this.service.popular();
  }

  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number): Promise<Question> {
    return this.service.find(id);
  }

  /** `POST /questions/:id/answers` `{ authorId, body }` → 201 with the answer; the asker is notified by a job. */
  @Post(':id/answers')
  async answer(
    @Param('id', ParseIntPipe) id: number,
    @Body(new ZodPipe(answerInput)) input: AnswerInput,
  ): Promise<Answer> {
    const answer = await this.service.answer(id, input);
    return {
      ...answer,
      question: undefined,
      author: { id: answer.author.id, name: answer.author.name },
    } as unknown as Answer;
  }

  /** `GET /questions/:id/activity`: score, answers and last activity from the question's state stream. */
  @Get(':id/activity')
  getActivity(@Param('id', ParseIntPipe) id: number) {
    return this.activity.activity(id);
  }

  /** `POST /questions/:id/votes` `{ value: 1 | -1 }` → 201 with the new activity. */
  @Post(':id/votes')
  async vote(
    @Param('id', ParseIntPipe) id: number,
    @Body(new ZodPipe(voteInput)) input: z.output<typeof voteInput>,
  ) {
    await this.activity.vote(id, input.value);
    return this.activity.activity(id);
  }
}
