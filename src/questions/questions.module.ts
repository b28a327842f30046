import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { User } from '../users/user.entity';
import { Answer } from './answer.entity';
import { QuestionRepository } from './question.repository';
import { QuestionsController } from './questions.controller';
import { QuestionsService } from './questions.service';
import { Tag } from './tag.entity';
import { Vote } from './vote.entity';

@Module({
  imports: [DatabaseModule.forFeature([QuestionRepository, Answer, Tag, Vote, User])],
  controllers: [QuestionsController],
  providers: [QuestionsService],
})
export class QuestionsModule {}
