import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import { RESOURCE_OWNERS_METADATA } from '../security.constants';

/** What a `@ResourceOwners` provider implements. */
export interface ResourceOwnerResolver {
  /** The id of the user who owns the resource, or null/undefined when it does not exist. */
  ownerOf(
    id: string,
  ): Promise<string | number | null | undefined> | string | number | null | undefined;
}

/**
 * Marks a provider that says who owns a `subject`, for ownership rules (`update:question:own`).
 * Found at bootstrap; one per subject.
 *
 * @example
 * @ResourceOwners('question')
 * export class QuestionOwners implements ResourceOwnerResolver {
 *   constructor(@InjectRepository(Question) private readonly questions: Repository<Question>) {}
 *   async ownerOf(id: string) { return (await this.questions.findOneBy({ id: +id }))?.authorId; }
 * }
 */
export const ResourceOwners = (subject: string) =>
  applyDecorators(Injectable(), SetMetadata(RESOURCE_OWNERS_METADATA, subject));
