import {
  CLUSTER_DNS_RESOLVER,
  ClusterManager,
  ServiceDiscovery,
  type ClusterModuleOptions,
  type DnsResolver,
} from '@lattice/cluster';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { Resolver } from 'node:dns/promises';
import type { SrvRecord } from 'node:dns';
import { describeWith } from '../../support/describe-with';
import { freePort } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { bootMember } from './fixtures/membership-app';

const FAST: ClusterModuleOptions = { heartbeatMs: 100, ttlMs: 500 };

/** A module that hands ServiceDiscovery the given resolver, as an app would to use its own DNS server. */
function resolverModule(resolver: DnsResolver) {
  @Global()
  @Module({
    providers: [{ provide: CLUSTER_DNS_RESOLVER, useValue: resolver }],
    exports: [CLUSTER_DNS_RESOLVER],
  })
  class ResolverModule {}
  return ResolverModule;
}

function dnsError(code: string, name: string): Error {
  return Object.assign(new Error(`query ${code} ${name}`), { code });
}

/** A resolver answering from a table, failing with ENOTFOUND for any other name. */
function tableResolver(table: {
  srv?: Record<string, SrvRecord[]>;
  a?: Record<string, string[] | string>;
  aaaa?: Record<string, string[] | string>;
}): DnsResolver & { asked: string[] } {
  const asked: string[] = [];
  const answer = async <T>(
    kind: string,
    records: Record<string, T[] | string> | undefined,
    name: string,
  ) => {
    asked.push(`${kind} ${name}`);
    const found = records?.[name];
    if (found === undefined) throw dnsError('ENOTFOUND', name);
    if (typeof found === 'string') throw dnsError(found, name);
    return found;
  };
  return {
    asked,
    resolveSrv: (name) => answer('SRV', table.srv, name),
    resolve4: (name) => answer('A', table.a, name),
    resolve6: (name) => answer('AAAA', table.aaaa, name),
  };
}

describeWith(['redis'], 'service discovery from the membership registry', () => {
  const apps: INestApplicationContext[] = [];
  let env: Record<string, string>;
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function node(options: ClusterModuleOptions) {
    const app = await bootMember(env, { ...FAST, ...options });
    apps.push(app);
    return { cluster: app.get(ClusterManager), discovery: app.get(ServiceDiscovery) };
  }

  it('lists the instances advertised by options and at run time, without draining nodes', async () => {
    env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('discovery') };
    const a = await node({
      host: 'a.local',
      port: 4001,
      services: [{ name: 'nlp', meta: { model: 'small' } }],
    });
    const b = await node({ host: 'b.local', port: 4002 });
    await b.cluster.waitFor((members) => members.length === 2);

    expect(await b.discovery.discover('nlp')).toEqual([
      {
        service: 'nlp',
        nodeId: a.cluster.nodeId,
        host: 'a.local',
        port: 4001,
        meta: { model: 'small' },
      },
    ]);
    expect(await b.discovery.discover('search')).toEqual([]);

    // Advertised at run time: the others read the registry at once when told.
    await b.discovery.advertise('nlp', { model: 'large' });
    await a.cluster.waitFor((m) => m.filter((n) => n.services.includes('nlp')).length === 2);
    expect((await a.discovery.discover('nlp')).map((i) => [i.host, i.meta])).toEqual(
      expect.arrayContaining([
        ['a.local', { model: 'small' }],
        ['b.local', { model: 'large' }],
      ]),
    );

    await b.discovery.withdraw('nlp');
    await a.cluster.waitFor((m) => m.filter((n) => n.services.includes('nlp')).length === 1);
    expect((await a.discovery.discover('nlp')).map((i) => i.host)).toEqual(['a.local']);

    await a.cluster.markDraining();
    await b.cluster.waitFor((m) =>
      m.some((n) => n.id === a.cluster.nodeId && n.status === 'draining'),
    );
    expect(await b.discovery.discover('nlp')).toEqual([]);
  });
});

describe('service discovery', () => {
  let app: INestApplicationContext | undefined;
  afterEach(() => app?.close());

  it('in one process (no REDIS_URL) finds this node’s own services', async () => {
    app = await bootMember({}, { ...FAST, port: 4100, services: [{ name: 'nlp' }] });
    const discovery = app.get(ServiceDiscovery);
    const nodeId = app.get(ClusterManager).nodeId;
    expect((await discovery.discover('nlp')).map((i) => [i.nodeId, i.port])).toEqual([
      [nodeId, 4100],
    ]);
    await discovery.advertise('search', { index: 'questions' });
    expect(await discovery.discover('search')).toMatchObject([
      { nodeId, meta: { index: 'questions' } },
    ]);
    await discovery.withdraw('search');
    expect(await discovery.discover('search')).toEqual([]);
  });

  describe('in kubernetes mode (a headless Service’s DNS)', () => {
    async function boot(discovery: ClusterModuleOptions['discovery'], resolver: DnsResolver) {
      app = await bootMember({}, { ...FAST, discovery }, { imports: [resolverModule(resolver)] });
      return app.get(ServiceDiscovery);
    }

    it('reads SRV records of the named port, by priority', async () => {
      const resolver = tableResolver({
        srv: {
          '_http._tcp.nlp.ai.svc.cluster.local': [
            { name: 'nlp-1.nlp.ai.svc.cluster.local', port: 8080, priority: 10, weight: 5 },
            { name: 'nlp-0.nlp.ai.svc.cluster.local', port: 8080, priority: 0, weight: 5 },
          ],
        },
      });
      const discovery = await boot(
        { mode: 'kubernetes', namespace: 'ai', portName: 'http' },
        resolver,
      );
      expect(await discovery.discover('nlp')).toEqual([
        {
          service: 'nlp',
          nodeId: 'nlp-0',
          host: 'nlp-0.nlp.ai.svc.cluster.local',
          port: 8080,
          meta: { priority: 0, weight: 5 },
        },
        {
          service: 'nlp',
          nodeId: 'nlp-1',
          host: 'nlp-1.nlp.ai.svc.cluster.local',
          port: 8080,
          meta: { priority: 10, weight: 5 },
        },
      ]);
      expect(resolver.asked).toEqual(['SRV _http._tcp.nlp.ai.svc.cluster.local']);
    });

    it('reads A and AAAA records with the configured port; one family missing is fine, none is empty', async () => {
      const resolver = tableResolver({
        a: {
          'nlp.default.svc.example.org': ['10.0.0.7', '10.0.0.8'],
          'idle.default.svc.example.org': 'ENODATA',
        },
        aaaa: {
          'nlp.default.svc.example.org': 'ENODATA',
          'idle.default.svc.example.org': 'ENODATA',
        },
      });
      const discovery = await boot(
        { mode: 'kubernetes', clusterDomain: 'example.org', port: 9000 },
        resolver,
      );
      expect((await discovery.discover('nlp')).map((i) => `${i.host}:${i.port}`)).toEqual([
        '10.0.0.7:9000',
        '10.0.0.8:9000',
      ]);
      expect(await discovery.discover('idle')).toEqual([]);
    });

    it('names the DNS name when it does not exist', async () => {
      const discovery = await boot({ mode: 'kubernetes', namespace: 'ai' }, tableResolver({}));
      await expect(discovery.discover('nlp')).rejects.toMatchObject({
        code: 'LATTICE_CLUSTER_DNS_FAILED',
        message: expect.stringContaining('"nlp.ai.svc.cluster.local": ENOTFOUND'),
      });
    });

    it('names the DNS name when the DNS server does not answer (a real resolver, no server)', async () => {
      const resolver = new Resolver({ timeout: 200, tries: 1 });
      resolver.setServers([`127.0.0.1:${await freePort()}`]);
      const discovery = await boot({ mode: 'kubernetes', portName: 'http' }, resolver);
      await expect(discovery.discover('nlp')).rejects.toMatchObject({
        code: 'LATTICE_CLUSTER_DNS_FAILED',
        message: expect.stringContaining('"_http._tcp.nlp.default.svc.cluster.local"'),
      });
    });
  });
});
