import { Public } from '@lattice/core';
import { html, LivePage } from '@lattice/live';
import { type AuthUser, CurrentUser } from '@lattice/security';
import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { PostVisibility } from '../post-visibility';
import { viewersChannel } from '../question.events';
import { IdPipe } from '../id.pipe';
import { QuestionRepository } from '../question.repository';

/**
 * `/q/:id`, a question's page (the JSON API stays at `/questions/:id`), `/ask`, and
 * `/demo/question/:id`, the question's live activity card.
 */
@Public()
@Controller()
export class QuestionPageController {
  constructor(
    private readonly questions: QuestionRepository,
    private readonly visibility: PostVisibility,
  ) {}

  @Get('ask')
  @LivePage('ask-form', { title: 'Ask a question · Lattice Forum', layout: 'site' })
  ask() {
    return {};
  }

  @Get('q/:id')
  @LivePage<{ id: number; title: string }>('question-page', {
    title: ({ title }) => `${title} · Lattice Forum`,
    layout: 'site',
    // Outside the live root: the browser fills it from the presence channel (forum.js).
    slots: ({ id }) => ({
      aside: html`<aside class="viewers" data-presence-channel="${viewersChannel(id)}"><h3>Viewing now</h3><ul></ul></aside>`,
    }),
  })
  async show(@Param('id', IdPipe) id: number, @CurrentUser() user: AuthUser | undefined) {
    const question = await this.questions.findById(id, { relations: { author: true } }); // 404 for an unknown question
    // A held question is its author's and the moderators' only (decision 0037).
    if (!this.visibility.canSee(question, user))
      throw new NotFoundException(`Question ${id} was not found.`);
    return { id, title: question.title };
  }

  /** One question's activity card, bound to its state stream `question:<id>`. */
  @Get('demo/question/:id')
  @LivePage('question-card', { title: 'Question activity · Lattice Forum', layout: 'site' })
  card(@Param('id', IdPipe) id: number) {
    return { id };
  }
}
