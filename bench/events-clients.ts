// Child process of bench/events.bench.ts: holds many `ws` clients (to the Lattice app or to the
// raw ws server), speaking the events wire protocol (`[topic, event, payload, ref?]` frames),
// and reports to the parent over IPC. Latency uses process.hrtime (CLOCK_MONOTONIC), which is
// one clock for every process on the machine.
import WebSocket from 'ws';

export const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export type ClientCommand =
  | { cmd: 'connect'; group: string; url: string; count: number; join?: string }
  | { cmd: 'expect'; group: string; round: number; messages: number }
  | { cmd: 'close'; group: string }
  | {
      cmd: 'catchUp';
      url: string;
      count: number;
      topic: string;
      from: { epoch: string; offset: number };
      missed: number;
    };

export type ClientReport =
  | { cmd: 'connected'; group: string; total: number }
  | { cmd: 'expecting'; group: string }
  | {
      cmd: 'received';
      group: string;
      round: number;
      latencies: Float64Array;
      firstSent: number;
      lastAt: number;
    }
  | { cmd: 'closed'; group: string }
  | {
      cmd: 'caughtUp';
      startedAt: number;
      lastJoinedAt: number;
      lastAt: number;
      events: number;
      recovered: number;
      inOrder: boolean;
      /** CPU time this process spent in the storm, µs. */
      cpu: number;
    }
  | { cmd: 'failed'; error: string };

interface Client {
  ws: WebSocket;
  got: number;
}

interface Round {
  round: number;
  messages: number;
  latencies: number[];
  finished: number;
  firstSent: number;
  lastAt: number;
}

interface Group {
  name: string;
  clients: Client[];
  round?: Round;
}

const groups = new Map<string, Group>();
const send = (report: ClientReport) => process.send!(report);

function onFrame(group: Group, client: Client, data: WebSocket.RawData) {
  const frame = JSON.parse(data.toString()) as [string, string, { data?: Record<string, number> }];
  if (frame[1] !== 'event') return;
  const at = hrMs();
  const round = group.round;
  const payload = frame[2].data!;
  if (!round || payload.round !== round.round) return;
  round.latencies.push(at - payload.sentAt);
  round.firstSent = Math.min(round.firstSent, payload.sentAt);
  round.lastAt = Math.max(round.lastAt, at);
  if (++client.got === round.messages && ++round.finished === group.clients.length) {
    group.round = undefined;
    send({
      cmd: 'received',
      group: group.name,
      round: round.round,
      latencies: Float64Array.from(round.latencies),
      firstSent: round.firstSent,
      lastAt: round.lastAt,
    });
  }
}

/** Opens one socket; with `join`, joins that topic (null payload) and waits for the reply. */
function open(url: string, join?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => {
      if (!join) return resolve(ws);
      const onReply = (data: WebSocket.RawData) => {
        const frame = JSON.parse(data.toString()) as unknown[];
        if (frame[0] !== join || frame[1] !== 'reply') return;
        ws.off('message', onReply);
        if ((frame[2] as { status: string }).status !== 'ok')
          return reject(new Error(`join refused: ${JSON.stringify(frame[2])}`));
        resolve(ws);
      };
      ws.on('message', onReply);
      ws.send(JSON.stringify([join, 'join', null, '1']));
    });
  });
}

async function connect(command: Extract<ClientCommand, { cmd: 'connect' }>): Promise<void> {
  let group = groups.get(command.group);
  if (!group) groups.set(command.group, (group = { name: command.group, clients: [] }));
  const target = group;
  let next = 0;
  // At most 200 handshakes in flight: a burst of thousands overflows the listen backlog.
  const lane = async () => {
    while (next < command.count) {
      next++;
      const ws = await open(command.url, command.join);
      const client: Client = { ws, got: 0 };
      ws.on('message', (data) => onFrame(target, client, data));
      ws.on('error', () => undefined);
      target.clients.push(client);
    }
  };
  await Promise.all(Array.from({ length: 200 }, lane));
  send({ cmd: 'connected', group: command.group, total: target.clients.length });
}

async function closeGroup(name: string): Promise<void> {
  const group = groups.get(name);
  groups.delete(name);
  await Promise.all(
    (group?.clients ?? []).map(
      ({ ws }) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
  send({ cmd: 'closed', group: name });
}

/** Every client at once: open, join from the given position, read replays until `replayed`. */
async function catchUp(command: Extract<ClientCommand, { cmd: 'catchUp' }>): Promise<void> {
  const cpu = process.cpuUsage();
  const startedAt = hrMs();
  let lastJoinedAt = 0;
  let lastAt = 0;
  let events = 0;
  let recovered = 0;
  let inOrder = true;
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from(
      { length: command.count },
      () =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(command.url);
          sockets.push(ws);
          let offset = command.from.offset;
          let seen = 0;
          ws.once('error', reject);
          ws.once('open', () =>
            ws.send(JSON.stringify([command.topic, 'join', command.from, '1'])),
          );
          ws.on('message', (data) => {
            const [topic, event, payload] = JSON.parse(data.toString()) as [
              string,
              string,
              Record<string, unknown>,
            ];
            if (topic !== command.topic) return;
            if (event === 'reply') {
              lastJoinedAt = Math.max(lastJoinedAt, hrMs());
              const response = payload.response as { recovered?: boolean } | undefined;
              if (payload.status === 'ok' && response?.recovered) recovered++;
              else reject(new Error(`join refused or not recovered: ${JSON.stringify(payload)}`));
            } else if (event === 'replay') {
              for (const e of payload.events as Array<{ offset: number }>) {
                if (e.offset !== offset + 1) inOrder = false;
                offset = e.offset;
                seen++;
              }
            } else if (event === 'replayed') {
              lastAt = Math.max(lastAt, hrMs());
              events += seen;
              if (seen !== command.missed) inOrder = false;
              resolve();
            }
          });
        }),
    ),
  );
  const { user, system } = process.cpuUsage(cpu);
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
  send({
    cmd: 'caughtUp',
    startedAt,
    lastJoinedAt,
    lastAt,
    events,
    recovered,
    inOrder,
    cpu: user + system,
  });
}

if (require.main === module) {
  process.on('message', (command: ClientCommand) => {
    const fail = (error: unknown) => send({ cmd: 'failed', error: String(error) });
    if (command.cmd === 'connect') connect(command).catch(fail);
    else if (command.cmd === 'close') closeGroup(command.group).catch(fail);
    else if (command.cmd === 'catchUp') catchUp(command).catch(fail);
    else if (command.cmd === 'expect') {
      const group = groups.get(command.group);
      if (!group) return fail(`no group ${command.group}`);
      for (const client of group.clients) client.got = 0;
      group.round = {
        round: command.round,
        messages: command.messages,
        latencies: [],
        finished: 0,
        firstSent: Infinity,
        lastAt: 0,
      };
      send({ cmd: 'expecting', group: command.group });
    }
  });
  process.on('disconnect', () => process.exit(0));
}
