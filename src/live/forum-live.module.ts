import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { QuestionRepository } from '../questions/question.repository';
import { QuestionsModule } from '../questions/questions.module';
import { Tag } from '../questions/tag.entity';
import { User } from '../users/user.entity';
import { AccountController } from '../account/account.controller';
import { LoginForm, SignupForm } from '../account/account-forms.component';
import { CounterDemo, DemoController, ListDemo } from './demos';
import { LiveHomeController } from './live-home.controller';
import { QuestionCard } from './question-card.component';
import { AskForm } from './ask-form.component';
import { QuestionPage } from './question-page.component';
import { QuestionPageController } from './question-page.controller';
import { QuestionList } from './question-list.component';
import { Footer, Header, Sidebar } from './site-components';
import { SiteLayout } from './site.layout';

@Module({
  imports: [DatabaseModule.forFeature([QuestionRepository, Tag, User]), QuestionsModule],
  controllers: [LiveHomeController, DemoController, AccountController, QuestionPageController],
  providers: [
    SiteLayout,
    Header,
    Footer,
    Sidebar,
    QuestionList,
    QuestionCard,
    QuestionPage,
    AskForm,
    LoginForm,
    SignupForm,
    CounterDemo,
    ListDemo,
  ],
})
export class ForumLiveModule {}
