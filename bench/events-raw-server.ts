// Child process of bench/events.bench.ts: the baseline, a minimal broadcast server on the `ws`
// package. Every connected client gets every broadcast (no topics, no history); each message is
// serialized once, in the same frame shape and size as Lattice's channel events.
import { WebSocket, WebSocketServer } from 'ws';
import { hrMs } from './events-clients';

export type RawCommand =
  | { cmd: 'broadcast'; round: number; count: number; data: Record<string, unknown> }
  | { cmd: 'memory' }
  | { cmd: 'cpu' };

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096 });
let offset = 0;

wss.on('listening', () =>
  process.send!({ cmd: 'ready', port: (wss.address() as { port: number }).port }),
);
process.on('message', (command: RawCommand) => {
  if (command.cmd === 'broadcast') {
    const sentAt = hrMs(); // when the burst began, as Lattice's side stamps it
    for (let n = 0; n < command.count; n++) {
      const frame = JSON.stringify([
        'channel:question.1',
        'event',
        {
          epoch: 'raw00000',
          offset: ++offset,
          event: 'answer.posted',
          data: { ...command.data, n, round: command.round, sentAt },
        },
      ]);
      for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    }
    process.send!({ cmd: 'broadcasted' });
  } else if (command.cmd === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send!({ cmd: 'cpu', micros: user + system });
  } else if (command.cmd === 'memory') {
    gc();
    gc();
    const { heapUsed, rss } = process.memoryUsage();
    process.send!({ cmd: 'memory', heapUsed, rss, clients: wss.clients.size });
  }
});
process.on('disconnect', () => process.exit(0));
