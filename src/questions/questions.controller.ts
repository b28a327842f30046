import { ListQuery, Page } from '@lattice/database';
import { Controller, Get, Param, ParseIntPipe, Query } from '@nestjs/common';
import { questionList } from './question-list.query';
import { Question } from './question.entity';
import { QuestionRepository } from './question.repository';

/** The questions API (JSON). The live page arrives with @lattice/live. */
@Controller('questions')
export class QuestionsController {
  constructor(private readonly questions: QuestionRepository) {}

  /** `GET /questions?sort=-score&tag=nestjs&limit=20&page=2` or `…&cursor=<next>` */
  @Get()
  list(@Query(questionList.pipe) query: ListQuery<Question>): Promise<Page<Question>> {
    return this.questions.list(query);
  }

  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number): Promise<Question> {
    return this.questions.findById(id, {
      relations: { author: true, tags: true, answers: { author: true } },
    });
  }
}
