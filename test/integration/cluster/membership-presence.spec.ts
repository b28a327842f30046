import { ClusterManager } from '@lattice/cluster';
import { EventsClient } from '@lattice/events/client';
import { SocketClient, type WebSocketFactory } from '@lattice/socket';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { startPresenceNode } from './fixtures/presence-app';

function page(url: string, user: string) {
  const socket = new SocketClient(`${url}?token=good-${user}`, {
    WebSocket: WebSocket as unknown as WebSocketFactory,
    backoff: { baseMs: 20, maxMs: 40 },
    timeoutMs: 3000,
  }).connect();
  return { socket, events: new EventsClient(socket) };
}

describeWith(['redis'], 'presence when a node leaves the cluster', () => {
  jest.setTimeout(PROCESS_TEST_MS);
  const prefix = uniqueRedisPrefix('membership-presence');
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix };
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it("drops a SIGKILLed node's presence members at once and tells the channel", async () => {
    const other = new TsProcess('test/integration/cluster/fixtures/presence-node.ts', {
      ...env,
      LOG_LEVEL: 'error',
    });
    cleanup.push(() => other.stop('SIGKILL'));
    const { app, url } = await startPresenceNode(env);
    cleanup.push(() => app.close());
    const admin = new Redis(TEST_REDIS_URL);
    cleanup.push(() => admin.disconnect());
    const [, otherUrl, otherId] = await other.waitFor(/listening (\S+) (\S+)/, PROCESS_START_MS);
    await (app as INestApplication)
      .get(ClusterManager)
      .waitFor((m) => m.some((n) => n.id === otherId));

    const ada = page(url, 'ada');
    const bob = page(otherUrl, 'bob');
    cleanup.push(
      () => ada.socket.close(),
      () => bob.socket.close(),
    );
    const room = ada.events.subscribe('room.lobby');
    const left: Array<string | null> = [];
    room.leaving((member) => left.push(member.id));
    await room.ready;
    await bob.events.subscribe('room.lobby').ready;
    await waitFor(() => room.present().length === 2, { what: 'ada to see bob' });

    await other.stop('SIGKILL');
    bob.socket.close(); // it would only keep knocking at the dead node
    // Without the cluster, bob would stay listed until his node's presence key expired (30 s),
    // and nobody would be told: the surviving node hears NODE_LEFT and announces the leave.
    await waitFor(() => left.length === 1, { what: "ada to hear bob's node go" });
    expect(left).toEqual(['bob']);
    expect(room.present().map((member) => member.id)).toEqual(['ada']);
    const stored = await admin.hkeys(`${prefix}events:presence:room.lobby`);
    expect(stored.filter((key) => key.startsWith(`${otherId}:`))).toEqual([]);
    expect(stored).toHaveLength(1);
  });
});
