import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { ChannelAuth } from '@lattice/events';
import type { SocketIdentity } from '@lattice/socket';
import { Injectable } from '@nestjs/common';
import { User } from '../users/user.entity';

/**
 * Who may subscribe to the Forum's channels (checked on every subscribe and resubscribe).
 * `question.{id}` is public (see AppModule).
 */
@Injectable()
export class QuestionChannels {
  constructor(@InjectLatticeRepository(User) private readonly users: LatticeRepository<User>) {}

  /** Only the member themself hears their notifications. */
  @ChannelAuth('user.{id}')
  ownNotifications(identity: SocketIdentity | null, { id }: { id: string }): boolean {
    return identity?.id === id;
  }

  /**
   * Everyone viewing a question is listed, by display name (the token carries the email, which
   * others must not see); visitors without an account as "a guest".
   */
  @ChannelAuth('question.{id}.viewers', { presence: true })
  async viewers(
    identity: SocketIdentity | null,
    { id }: { id: string },
  ): Promise<{ name: string } | false> {
    if (!/^\d{1,15}$/.test(id)) return false;
    if (!identity) return { name: 'a guest' };
    const user = await this.users.repository.findOneBy({ id: Number(identity.id) });
    return { name: user?.name ?? 'a member' };
  }
}
