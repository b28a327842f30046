import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { QuestionRepository } from '../questions/question.repository';
import { QuestionsModule } from '../questions/questions.module';
import { Tag } from '../questions/tag.entity';
import { CounterDemo, DemoController, ListDemo } from './demos';
import { LiveHomeController } from './live-home.controller';
import { QuestionCard } from './question-card.component';
import { QuestionList } from './question-list.component';
import { Footer, Header, Sidebar } from './site-components';
import { SiteLayout } from './site.layout';

@Module({
  imports: [DatabaseModule.forFeature([QuestionRepository, Tag]), QuestionsModule],
  controllers: [LiveHomeController, DemoController],
  providers: [
    SiteLayout,
    Header,
    Footer,
    Sidebar,
    QuestionList,
    QuestionCard,
    CounterDemo,
    ListDemo,
  ],
})
export class ForumLiveModule {}
