import { SetMetadata } from '@nestjs/common';
import { CHANNEL_AUTH_METADATA } from '../events.constants';

export interface ChannelAuthOptions {
  /** A presence channel: subscribers are members, listed to each other, with join/leave events. */
  presence?: boolean;
}

/** What `@ChannelAuth()` records on a method. */
export interface ChannelAuthBinding {
  pattern: string;
  options: ChannelAuthOptions;
}

/**
 * Marks a provider method as the authorization of the channels matching `pattern`
 * (`user.{id}`): called with the connection's identity (from socket's authenticator), the
 * pattern's parameters and the channel name, on every subscribe and every resubscribe after a
 * reconnect. Return true to admit, false to refuse; on a presence channel, return the
 * member's public info (an object) to admit.
 *
 * @example
 * @ChannelAuth('user.{id}')
 * ownChannel(identity: SocketIdentity | null, { id }: { id: string }) { return identity?.id === id; }
 */
export function ChannelAuth(pattern: string, options: ChannelAuthOptions = {}): MethodDecorator {
  return SetMetadata(CHANNEL_AUTH_METADATA, { pattern, options } satisfies ChannelAuthBinding);
}
