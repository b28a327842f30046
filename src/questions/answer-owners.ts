import { ResourceOwners, type ResourceOwnerResolver } from '@lattice/security';
import { BadRequestException } from '@nestjs/common';
import { QuestionsService } from './questions.service';

/** Who owns an answer, for `delete:answer:own` (members delete their own answers). */
@ResourceOwners('answer')
export class AnswerOwners implements ResourceOwnerResolver {
  constructor(private readonly questions: QuestionsService) {}

  ownerOf(id: string): Promise<number | undefined> {
    // The guard asks before the route's pipes run: refuse a malformed id as they would.
    if (!/^\d{1,15}$/.test(id))
      throw new BadRequestException(`answerId: "${id}" is not an answer id (a positive integer).`);
    return this.questions.answerAuthorId(Number(id));
  }
}
