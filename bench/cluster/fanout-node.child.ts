// Child process of bench/cluster/fanout.ts: one node (LatticeModule on Redis, SocketModule,
// EventsModule, and ClusterModule unless CLUSTER=off) listening on PORT; it answers the parent's
// IPC commands: publish a burst on `question.1`, report its CPU time and event-loop delay.
import 'reflect-metadata';
import { ClusterModule } from '@lattice/cluster';
import { LatticeModule } from '@lattice/core';
import { type BroadcastableEvent, EventsModule, WebSocketEventBroadcaster } from '@lattice/events';
import { SocketModule } from '@lattice/socket';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export type NodeCommand = { cmd: 'publish'; round: number; messages: number } | { cmd: 'stats' };

export type NodeReport =
  | { cmd: 'ready'; port: number }
  | { cmd: 'published'; round: number }
  | { cmd: 'stats'; cpuMicros: number; loopP99Ms: number; loopMeanMs: number }
  | { cmd: 'failed'; error: string };

const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;

class Tick implements BroadcastableEvent {
  static readonly eventName = 'tick';
  constructor(
    readonly round: number,
    readonly n: number,
    readonly sentAt: number,
  ) {}
  broadcastOn() {
    return 'question.1';
  }
  broadcastWith() {
    return { n: this.n, round: this.round, sentAt: this.sentAt };
  }
}

async function main(): Promise<void> {
  const cluster = process.env.CLUSTER !== 'off';
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: {
          LOG_LEVEL: 'error',
          REDIS_URL: process.env.REDIS_URL!,
          REDIS_KEY_PREFIX: process.env.REDIS_KEY_PREFIX!,
          PORT: process.env.PORT ?? '0',
        },
        envFile: false,
        bootReport: false,
      }),
      SocketModule.forRoot({ rateLimit: { messages: 10_000, perMs: 1000 } }),
      EventsModule.forRoot({ channels: { public: ['question.*'] } }),
      ...(cluster ? [ClusterModule.forRoot()] : []),
    ],
  })
  class FanoutNodeModule {}
  const app = await NestFactory.create(FanoutNodeModule, { logger: ['error'] });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const broadcaster = app.get(WebSocketEventBroadcaster);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let cpu = process.cpuUsage();
  const send = (report: NodeReport) => process.send!(report);
  process.on('message', (command: NodeCommand) => {
    void (async () => {
      if (command.cmd === 'publish') {
        // One message in flight at a time would measure latency alone; a burst measures both.
        for (let n = 0; n < command.messages; n++)
          await broadcaster.broadcast(new Tick(command.round, n, hrMs()));
        send({ cmd: 'published', round: command.round });
      } else if (command.cmd === 'stats') {
        const used = process.cpuUsage(cpu);
        cpu = process.cpuUsage();
        send({
          cmd: 'stats',
          cpuMicros: used.user + used.system,
          loopP99Ms: loop.percentile(99) / 1e6,
          loopMeanMs: loop.mean / 1e6,
        });
        loop.reset();
      }
    })().catch((error: unknown) => send({ cmd: 'failed', error: String(error) }));
  });
  // The benchmark gone (finished or crashed): so is this node.
  process.on('disconnect', () => process.exit(0));
  send({ cmd: 'ready', port: (app.getHttpServer().address() as { port: number }).port });
}

main().catch((error: unknown) => {
  process.send?.({ cmd: 'failed', error: String((error as Error)?.stack ?? error) });
  process.exit(1);
});
