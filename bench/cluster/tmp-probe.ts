import 'reflect-metadata';
import { ClusterModule, DistributedLock } from '@lattice/cluster';
import { LatticeModule, RedisConnections } from '@lattice/core';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Mutex } from 'redis-semaphore';
import { FencedMutex } from '../../libs/cluster/src/lock/redis-fenced-locks';
import { median } from '../support';
async function main() {
  @Module({ imports: [LatticeModule.forRoot({ env: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: 'lattice:bench:x:' }, envFile: false, bootReport: false }), ClusterModule.forRoot()] })
  class M {}
  const app = await NestFactory.createApplicationContext(M, { logger: ['error'] });
  const locks = app.get(DistributedLock);
  const core = app.get(RedisConnections).get('locks');
  const plain = new Redis('redis://127.0.0.1:6379');
  const keys = Array.from({ length: 16 }, (_, n) => `k${n}`);
  const opts = { lockTimeout: 10000, acquireTimeout: 10000, acquireAttemptsLimit: Infinity, retryInterval: 10, refreshInterval: 0 };
  const sides: Record<string, () => Promise<unknown>> = {
    lattice: () => Promise.all(keys.map(async (k) => (await locks.acquire(k)).release())),
    fencedCore: () => Promise.all(keys.map(async (k) => { const m = new FencedMutex(core, `lattice:bench:x:f:${k}`, `lattice:bench:x:ff:${k}`, opts); await m.tryAcquire(); await m.release(); })),
    fencedPlain: () => Promise.all(keys.map(async (k) => { const m = new FencedMutex(plain, `lattice:bench:x:g:${k}`, `lattice:bench:x:gf:${k}`, opts); await m.tryAcquire(); await m.release(); })),
    rawCore: () => Promise.all(keys.map(async (k) => { const m = new Mutex(core, `lattice:bench:x:raw:${k}`, { lockTimeout: 10000 }); await m.acquire(); await m.release(); })),
    rawPlain: () => Promise.all(keys.map(async (k) => { const m = new Mutex(plain, `lattice:bench:x:raw2:${k}`, { lockTimeout: 10000 }); await m.acquire(); await m.release(); })),
  };
  const res: Record<string, number[]> = {};
  for (let r = 0; r < 30; r++) for (const [name, run] of Object.entries(sides)) {
    const t0 = performance.now(); let n = 0; const c0 = process.cpuUsage();
    while (performance.now() - t0 < 100) { await run(); n += 16; }
    const c = process.cpuUsage(c0);
    if (r > 1) (res[name] ??= []).push((c.user + c.system) / n);
  }
  for (const [k, v] of Object.entries(res)) console.log(k, Math.round(median(v)));
  await app.close(); plain.disconnect();
}
void main();
