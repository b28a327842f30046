import { LiveSessions } from '@lattice/live';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClusterManager } from '../membership/cluster-manager';
import type { ClusterLiveModuleOptions } from './cluster-live.interfaces';
import { ClusterLiveModule } from './cluster-live.module';

/** Only what the module's boot checks reach; the page itself is tested in the Forum (e2e). */
@Global()
@Module({
  providers: [
    {
      provide: ClusterManager,
      useValue: { on: () => () => undefined, members: () => [], settings: { heartbeatMs: 1000 } },
    },
    { provide: LiveSessions, useValue: { notifyLocal: async () => undefined } },
  ],
  exports: [ClusterManager, LiveSessions],
})
class Collaborators {}

async function boot(options: Partial<ClusterLiveModuleOptions>) {
  const moduleRef = await Test.createTestingModule({
    imports: [Collaborators, ClusterLiveModule.forRoot(options as ClusterLiveModuleOptions)],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('ClusterLiveModule', () => {
  it('refuses to start without authorize, naming the fix', async () => {
    await expect(boot({})).rejects.toThrow(
      'ClusterLiveModule has no authorize function, so it cannot tell who may see the cluster page.',
    );
  });

  it('refuses a history size out of range', async () => {
    await expect(boot({ authorize: () => true, historySize: 1 })).rejects.toThrow(
      "ClusterLiveModule's historySize must be a whole number from 2 to 600, got 1.",
    );
  });

  it('starts with authorize', async () => {
    const moduleRef = await boot({ authorize: () => true });
    await moduleRef.close();
  });
});
