import {
  LATTICE_NODE_ID,
  LatticeDrivers,
  NODE_LEFT_TOPIC,
  PubSub,
  RedisConnections,
  type NodeLeftMessage,
  type Unsubscribe,
} from '@lattice/core';
import {
  SOCKET_FANOUT_TOPIC,
  SocketManager,
  type SocketConnectionInfo,
  type SocketIdentity,
  type TopicHandler,
} from '@lattice/socket';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { CHANNEL_TOPIC_PREFIX, EVENTS_MODULE_OPTIONS } from '../events.constants';
import type { ChannelOptions, EventsModuleOptions } from '../events.interfaces';
import { EventsMessages } from '../events.messages';
import type { ChannelAuthOptions } from '../decorators/channel-auth.decorator';
import { ChannelHistory, type ChannelEntry, type ChannelPosition } from './channel-history';
import { CHANNEL_NAME, ChannelPattern } from './channel-pattern';
import { MemoryChannelHistory } from './memory-channel.history';
import {
  MemoryPresenceRegistry,
  RedisPresenceRegistry,
  type PresenceMember,
  type PresenceRegistry,
} from './presence-registry';
import { RedisChannelHistory } from './redis-channel.history';
import { SharedHistoryReads } from './shared-history-reads';

/** Decides who may subscribe to the channels of a pattern (see `@ChannelAuth`). */
export type ChannelAuthorizer = (
  identity: SocketConnectionInfo['identity'],
  params: Record<string, string>,
  channel: string,
) => unknown;

/** What a subscriber sends with its join: where it left off (both or neither). */
interface ResumeRequest {
  epoch?: string;
  offset?: number;
}

/** The reply to a join. */
export interface ChannelJoined {
  channel: string;
  epoch: string;
  /** Events after this offset follow as `replay` frames, then `replayed`. */
  offset: number;
  /** True when every event the client missed will be replayed. */
  recovered: boolean;
  /** Set when the client must reload what it shows instead: why. */
  resync?: 'epoch_changed' | 'too_far_behind' | 'history_trimmed' | 'ahead_of_history';
  /** Presence channels: who is there, this connection included. */
  members?: PresenceMember[];
}

/** An event as clients receive it, live (`event`) or replayed (`replay`). */
export interface ChannelMessage {
  epoch: string;
  offset: number;
  event: string;
  data: unknown;
}

interface Authorization {
  pattern: ChannelPattern;
  authorize: ChannelAuthorizer;
  options: ChannelAuthOptions;
  owner: string;
}

/** Hears every event broadcast on a channel, on any node. */
export type ChannelEventListener = (channel: string, message: ChannelMessage) => void;

/** What socket's fan-out carries between nodes (the part read here). */
interface FanOut {
  topic: string;
  event: string;
  payload: unknown;
}

type Defaults = Required<Omit<ChannelOptions, 'history' | 'public'>>;

/**
 * Event channels on socket's connection (topics `channel:<name>`): every broadcast is numbered
 * in the channel's history (an epoch and a monotonic offset) before it goes out, so a client
 * that reconnects says where it left off and gets exactly what it missed, in order, paced by a
 * per-client token bucket and capped; further behind, or after an epoch change, it is told
 * to resync. Private channels are authorized by `@ChannelAuth` callbacks on every (re)join;
 * presence channels list their members.
 */
@Injectable()
export class PersistentWebSocketManager implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Events');
  private stores: { history: ChannelHistory; presence: PresenceRegistry } | undefined;
  private readonly openStores: () => { history: ChannelHistory; presence: PresenceRegistry };
  private readonly settings: Defaults;
  private readonly publicPatterns: ChannelPattern[];
  private readonly authorizations: Authorization[] = [];
  private socket: SocketManager | undefined;
  /** History reads shared by the clients of a channel: a reconnect storm reads once. */
  private readonly reads: SharedHistoryReads;
  /** When each connection may next be sent a replay batch: its token bucket, as a schedule. */
  private readonly pace = new Map<string, number>();
  private closed = false;
  private readonly serverListeners = new Set<ChannelEventListener>();
  private fanOut: Promise<Unsubscribe> | undefined;
  private nodeLeft: Promise<Unsubscribe | undefined> | undefined;

  constructor(
    @Inject(EVENTS_MODULE_OPTIONS) options: EventsModuleOptions,
    drivers: LatticeDrivers,
    redis: RedisConnections,
    private readonly pubsub: PubSub,
    /** Core's node id (presence member keys are `<node>:<connection>`), as cluster's NODE_LEFT names it. */
    @Inject(LATTICE_NODE_ID) private readonly nodeId: string,
    // SocketModule is optional: without it events are dispatched but no channel carries them.
    @Optional() private readonly optionalSocket?: SocketManager,
  ) {
    const channels = options.channels ?? {};
    const kind = channels.history ?? drivers.for('events');
    const maxAgeMs = channels.maxAgeMs ?? 24 * 60 * 60 * 1000;
    this.settings = {
      maxLength: channels.maxLength ?? (kind === 'redis' ? 10_000 : 1000),
      maxAgeMs,
      replayCap: channels.replayCap ?? 1000,
      replayRate: channels.replayRate ?? 500,
      replayBatch: channels.replayBatch ?? 50,
      maxPayloadBytes: channels.maxPayloadBytes ?? 32 * 1024,
    };
    // Opened on first use: an app without sockets (or without broadcasts) opens no Redis connection.
    this.openStores = () => {
      if (typeof kind === 'object')
        return { history: kind, presence: new MemoryPresenceRegistry() };
      if (kind === 'memory')
        return {
          history: new MemoryChannelHistory(this.settings.maxLength),
          presence: new MemoryPresenceRegistry(),
        };
      const connection = redis.get('events');
      return {
        history: new RedisChannelHistory(
          connection,
          (channel, part) => redis.key('events', 'channel', channel, part),
          this.settings.maxLength,
          maxAgeMs,
        ),
        presence: new RedisPresenceRegistry(
          connection,
          (channel) => redis.key('events', 'presence', channel),
          (node) => redis.key('events', 'node', node),
          this.nodeId,
        ),
      };
    };
    this.publicPatterns = (channels.public ?? []).map((pattern) => new ChannelPattern(pattern));
    this.reads = new SharedHistoryReads(() => this.history, this.settings.replayCap * 16);
  }

  /** Range reads sent to the history for resuming clients (shared ones once): for tests and metrics. */
  get historyReads(): number {
    return this.reads.reads;
  }

  /** The channels' history (memory ring, Redis Streams, or the one given in the options). */
  get history(): ChannelHistory {
    return (this.stores ??= this.openStores()).history;
  }

  private get presence(): PresenceRegistry {
    return (this.stores ??= this.openStores()).presence;
  }

  get options(): Readonly<Defaults> {
    return this.settings;
  }

  onModuleInit(): void {
    const socket = this.optionalSocket;
    if (!socket) {
      this.logger.warn('Event channels are off: SocketModule is not imported.');
      return;
    }
    const handler: TopicHandler = {
      join: (connection, topic, payload) => this.join(connection, topic, payload),
      leave: (connection, topic) => this.leave(connection, topic),
    };
    socket.handle(`${CHANNEL_TOPIC_PREFIX}*`, handler);
    this.socket = socket;
    // Not awaited: with Redis unreachable at boot the app must still start.
    this.nodeLeft = this.pubsub
      .subscribe<NodeLeftMessage>(NODE_LEFT_TOPIC, (message) => this.dropNode(message.nodeId))
      .catch((error: unknown) => {
        this.logger.warn(`Presence cleanup of departed nodes is off: ${String(error)}`);
        return undefined;
      });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.reads.clear();
    this.serverListeners.clear();
    await this.fanOut?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
    await this.nodeLeft?.then((unsubscribe) => unsubscribe?.()).catch(() => undefined);
    await this.stores?.presence.close?.();
    await this.stores?.history.close();
  }

  /** Called by the explorer for each `@ChannelAuth` method. */
  authorize(
    pattern: string,
    authorize: ChannelAuthorizer,
    options: ChannelAuthOptions,
    owner: string,
  ): void {
    const existing = this.authorizations.find((a) => a.pattern.source === pattern);
    if (existing) throw EventsMessages.channelPatternDuplicate(pattern, existing.owner, owner);
    this.authorizations.push({ pattern: new ChannelPattern(pattern), authorize, options, owner });
  }

  /**
   * Where channels are now, for a server-rendered page to carry: read it before reading the
   * data the page shows, and subscribe from it, and no event falls between render and subscribe.
   */
  async positions(channels: string[]): Promise<Record<string, ChannelPosition>> {
    const entries = await Promise.all(
      channels.map(
        // A copy each: callers that ask at once share one read, and a caller moves its position
        // on (a live component applying events), which must not move another's.
        async (channel) => [channel, { ...(await this.reads.head(checkName(channel))) }] as const,
      ),
    );
    return Object.fromEntries(entries);
  }

  /** Numbers an event in the channel's history and sends it to its subscribers on every node. */
  async publish(channel: string, event: string, data: unknown): Promise<ChannelMessage> {
    checkName(channel);
    const bytes = Buffer.byteLength(JSON.stringify(data ?? null));
    if (bytes > this.settings.maxPayloadBytes)
      throw EventsMessages.payloadTooLarge(channel, bytes, this.settings.maxPayloadBytes);
    const entry = await this.history.append(channel, event, data ?? null);
    const message: ChannelMessage = {
      epoch: entry.epoch,
      offset: entry.offset,
      event,
      data: entry.data,
    };
    await this.socketManager().broadcast(CHANNEL_TOPIC_PREFIX + channel, 'event', message);
    return message;
  }

  /**
   * Calls `fn` with every event broadcast on any channel, from any node: server-side
   * subscribers (live components) hear what browsers hear, from the same fan-out through core's
   * PubSub. Resolves once it hears; call the returned function to stop.
   */
  async listen(fn: ChannelEventListener): Promise<() => void> {
    this.serverListeners.add(fn);
    this.fanOut ??= this.pubsub.subscribe<FanOut>(SOCKET_FANOUT_TOPIC, (message) => {
      if (message.event !== 'event' || !message.topic.startsWith(CHANNEL_TOPIC_PREFIX)) return;
      const channel = message.topic.slice(CHANNEL_TOPIC_PREFIX.length);
      for (const listener of this.serverListeners) {
        try {
          listener(channel, message.payload as ChannelMessage);
        } catch (error) {
          this.logger.error(`A listener of channel "${channel}" failed: ${String(error)}`);
        }
      }
    });
    await this.fanOut;
    return () => this.serverListeners.delete(fn);
  }

  /**
   * Checks that `identity` may subscribe to `channel` by the rules browsers are held to (public
   * patterns, `@ChannelAuth`); throws LATTICE_EVENTS_CHANNEL_DENIED or _UNKNOWN otherwise.
   * Resolves with the member info on presence channels.
   */
  async authorizeSubscriber(
    identity: SocketIdentity | null,
    channel: string,
  ): Promise<{ presence: boolean; info?: unknown }> {
    const presence = await this.admit(identity, checkName(channel));
    return presence ? { presence: true, info: presence.info } : { presence: false };
  }

  /** Events of `channel` after `after`, up to its head at most `replayCap` of them (shared reads). */
  async readAfter(channel: string, epoch: string, after: number): Promise<ChannelMessage[]> {
    const head = await this.reads.head(checkName(channel));
    if (head.epoch !== epoch) return [];
    const to = Math.min(head.offset, after + this.settings.replayCap);
    const read = await this.reads.range(channel, epoch, after, to);
    return read.epoch === epoch ? read.entries.map((entry) => toMessage(epoch, entry)) : [];
  }

  private socketManager(): SocketManager {
    if (!this.socket) throw EventsMessages.socketMissing();
    return this.socket;
  }

  private async join(
    connection: SocketConnectionInfo,
    topic: string,
    payload: unknown,
  ): Promise<ChannelJoined> {
    const channel = checkName(topic.slice(CHANNEL_TOPIC_PREFIX.length));
    const resume = parseResume(payload);
    const presence = await this.admit(connection.identity, channel);

    const now = await this.reads.head(channel);
    let from = now.offset;
    let recovered = true;
    let resync: ChannelJoined['resync'];
    let entries: ChannelEntry[] = [];
    if (resume.epoch !== undefined && resume.offset !== undefined) {
      if (resume.epoch !== now.epoch) resync = 'epoch_changed';
      else if (resume.offset > now.offset) resync = 'ahead_of_history';
      else if (now.offset - resume.offset > this.settings.replayCap) resync = 'too_far_behind';
      else {
        const read = await this.reads.range(channel, now.epoch, resume.offset, now.offset);
        if (read.epoch !== now.epoch) resync = 'epoch_changed';
        else if (!read.complete) resync = 'history_trimmed';
        else {
          from = resume.offset;
          entries = read.entries;
        }
      }
      recovered = resync === undefined;
    }

    let members: PresenceMember[] | undefined;
    if (presence) {
      const member: PresenceMember = {
        key: `${this.nodeId}:${connection.id}`,
        id: connection.identity?.id ?? null,
        info: presence.info,
      };
      await this.presence.add(channel, member);
      members = await this.presence.list(channel);
      await this.socketManager().broadcast(topic, 'presence:join', member);
    }

    // Socket subscribes the connection when this join returns; the replay starts after that,
    // and ends with a read of whatever came between, so no event falls in between.
    setImmediate(
      () =>
        void this.replay(
          connection,
          topic,
          channel,
          now.epoch,
          entries,
          entries.at(-1)?.offset ?? from,
        ).catch((error: unknown) =>
          this.logger.error(`Replay of "${channel}" failed: ${String(error)}`),
        ),
    );
    return {
      channel,
      epoch: now.epoch,
      offset: from,
      recovered,
      ...(resync ? { resync } : {}),
      ...(members ? { members } : {}),
    };
  }

  private async leave(connection: SocketConnectionInfo, topic: string): Promise<void> {
    const channel = topic.slice(CHANNEL_TOPIC_PREFIX.length);
    if (connection.topics.size === 0) this.pace.delete(connection.id);
    if (!this.isPresence(channel)) return;
    const key = `${this.nodeId}:${connection.id}`;
    await this.presence.remove(channel, key);
    await this.socketManager().broadcast(topic, 'presence:leave', {
      key,
      id: connection.identity?.id ?? null,
    });
  }

  /**
   * A node left the cluster (cluster membership's NODE_LEFT): its presence members go now, each
   * announced to its channel by the one node that removed it, rather than lingering until their
   * heartbeat key expires.
   */
  private async dropNode(nodeId: string): Promise<void> {
    if (nodeId === this.nodeId || this.closed || !this.stores) return;
    const removed = await this.presence.removeNode(nodeId);
    for (const { channel, member } of removed)
      await this.socketManager().broadcast(CHANNEL_TOPIC_PREFIX + channel, 'presence:leave', {
        key: member.key,
        id: member.id,
      });
  }

  private async admit(
    identity: SocketIdentity | null,
    channel: string,
  ): Promise<{ info: unknown } | undefined> {
    const found = this.authorizations.find((a) => a.pattern.match(channel));
    if (found) {
      const allowed = await found.authorize(identity, found.pattern.match(channel)!, channel);
      if (!allowed) throw EventsMessages.channelDenied(channel);
      return found.options.presence
        ? { info: typeof allowed === 'object' ? allowed : {} }
        : undefined;
    }
    if (this.publicPatterns.some((pattern) => pattern.match(channel))) return undefined;
    throw EventsMessages.channelUnknown(channel, [
      ...this.publicPatterns.map((p) => `${p.source} (public)`),
      ...this.authorizations.map((a) => a.pattern.source),
    ]);
  }

  private isPresence(channel: string): boolean {
    return Boolean(this.authorizations.find((a) => a.pattern.match(channel))?.options.presence);
  }

  private async replay(
    connection: SocketConnectionInfo,
    topic: string,
    channel: string,
    epoch: string,
    entries: ChannelEntry[],
    last: number,
  ): Promise<void> {
    const { replayBatch } = this.settings;
    const stillThere = () => !this.closed && connection.topics.has(topic);
    for (let i = 0; i < entries.length && stillThere(); i += replayBatch) {
      const batch = entries.slice(i, i + replayBatch);
      await this.waitTurn(connection.id, batch.length);
      if (!stillThere()) return;
      connection.push(topic, 'replay', { epoch, events: batch.map((e) => toMessage(epoch, e)) });
    }
    if (!stillThere()) return;
    // What was broadcast between the join's read and the subscription (live frames may repeat
    // it): the head as of now, then that range, both shared with the other clients resuming.
    const head = await this.reads.head(channel);
    const to = Math.min(head.offset, last + this.settings.replayCap);
    const tail =
      head.epoch === epoch ? await this.reads.range(channel, epoch, last, to) : undefined;
    const events = tail?.epoch === epoch ? tail.entries : [];
    if (events.length)
      connection.push(topic, 'replay', { epoch, events: events.map((e) => toMessage(epoch, e)) });
    connection.push(topic, 'replayed', { epoch, offset: events.at(-1)?.offset ?? last });
  }

  /** The per-client token bucket: `replayRate` events per second, shared by its channels. */
  private async waitTurn(connectionId: string, events: number): Promise<void> {
    const now = Date.now();
    const next =
      Math.max(now, this.pace.get(connectionId) ?? now) +
      (events * 1000) / this.settings.replayRate;
    this.pace.set(connectionId, next);
    if (next > now) await new Promise((resolve) => setTimeout(resolve, next - now));
  }
}

function toMessage(epoch: string, entry: ChannelEntry): ChannelMessage {
  return { epoch, offset: entry.offset, event: entry.event, data: entry.data };
}

function checkName(channel: string): string {
  if (typeof channel !== 'string' || !CHANNEL_NAME.test(channel))
    throw EventsMessages.channelNameInvalid(channel);
  return channel;
}

function parseResume(payload: unknown): ResumeRequest {
  if (payload === null || payload === undefined) return {};
  if (typeof payload !== 'object' || Array.isArray(payload))
    throw EventsMessages.resumeInvalid('the join payload must be an object or null');
  const { epoch, offset } = payload as Record<string, unknown>;
  if (epoch === undefined && offset === undefined) return {};
  if (typeof epoch !== 'string' || epoch.length > 64)
    throw EventsMessages.resumeInvalid('epoch must be a string of up to 64 characters');
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    throw EventsMessages.resumeInvalid('offset must be a whole number ≥ 0');
  return { epoch, offset };
}
