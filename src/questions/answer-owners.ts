import { ResourceOwners, type ResourceOwnerResolver } from '@lattice/security';
import { QuestionsService } from './questions.service';

/** Who owns an answer, for `delete:answer:own` (members delete their own answers). */
@ResourceOwners('answer')
export class AnswerOwners implements ResourceOwnerResolver {
  constructor(private readonly questions: QuestionsService) {}

  ownerOf(id: string): Promise<number | undefined> {
    return /^\d{1,15}$/.test(id)
      ? this.questions.answerAuthorId(Number(id))
      : Promise.resolve(undefined);
  }
}
