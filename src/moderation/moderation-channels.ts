import { ChannelAuth } from '@lattice/events';
import type { SocketIdentity } from '@lattice/socket';
import { Injectable } from '@nestjs/common';
import { PostVisibility } from '../questions/post-visibility';
import { MODERATION_CHANNEL } from './moderation.events';

/** The moderators' channel is theirs alone: held posts are not for everyone's eyes. */
@Injectable()
export class ModerationChannels {
  constructor(private readonly visibility: PostVisibility) {}

  @ChannelAuth(MODERATION_CHANNEL)
  moderators(identity: SocketIdentity | null): boolean {
    const roles = identity?.roles;
    return (
      identity !== null &&
      Array.isArray(roles) &&
      this.visibility.isModerator({ id: identity.id, roles: roles as string[] })
    );
  }
}
