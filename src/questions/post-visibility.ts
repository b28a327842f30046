import { AuthorizationManager } from '@lattice/security';
import { Injectable } from '@nestjs/common';
import type { PostStatus } from './question.entity';

/** Who is looking: a logged-in user's id and roles, or null for a visitor. */
export interface Viewer {
  id: number | string;
  roles?: string[];
}

/**
 * Who sees a post (decision 0037): a published one everyone; a held one its author (marked
 * "awaiting review") and the moderators; a rejected one its author and the moderators too, so
 * nobody is left wondering where their post went.
 */
@Injectable()
export class PostVisibility {
  constructor(private readonly authorization: AuthorizationManager) {}

  isModerator(viewer: Viewer | null | undefined): boolean {
    return Boolean(
      viewer &&
      this.authorization.hasRole({ id: String(viewer.id), roles: viewer.roles ?? [] }, 'moderator'),
    );
  }

  canSee(
    post: { status: PostStatus; author: { id: number } },
    viewer: Viewer | null | undefined,
  ): boolean {
    if (post.status === 'published') return true;
    if (!viewer) return false;
    return Number(viewer.id) === post.author.id || this.isModerator(viewer);
  }
}
