import { Module } from '@nestjs/common';
import { MarkdownModule } from '../../markdown/markdown.module';
import { SiteLayoutModule } from '../../layout/site-layout.module';
import { QuestionCard } from '../components/question-card.component';
import { QuestionList } from '../components/question-list.component';
import { QuestionsModule } from '../questions.module';
import { AskForm } from './ask-form.component';
import { LiveHomeController } from './home.controller';
import { QuestionPage } from './question-page.component';
import { QuestionPageController } from './question-page.controller';

/**
 * The questions' live pages: the home page's list (`/`), a question (`/q/:id`), the ask form
 * (`/ask`) and the activity card (`/demo/question/:id`), on what QuestionsModule exports and in
 * the site layout (whose tag sidebar the list places).
 */
@Module({
  imports: [QuestionsModule, SiteLayoutModule, MarkdownModule],
  controllers: [LiveHomeController, QuestionPageController],
  providers: [QuestionList, QuestionCard, QuestionPage, AskForm],
})
export class QuestionPagesModule {}
