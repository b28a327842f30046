import { HttpAdapterHost } from '@nestjs/core';
import { loadLatticeConfig } from '../config/config.loader';
import type { DriverPart } from '../drivers/drivers.interfaces';
import { LatticeDrivers } from '../drivers/lattice-drivers';
import { LATTICE_VERSION } from '../lattice.constants';
import { BootReporter } from './boot-reporter';

const ALL_PARTS = ['database', 'cache', 'queue', 'state', 'events'] as const;

function reporter(env: Record<string, string>, parts: readonly DriverPart[] = ALL_PARTS) {
  const config = loadLatticeConfig({ env, envFile: false });
  const reporter = new BootReporter(config, new LatticeDrivers(config), new HttpAdapterHost(), {
    app: { name: 'Forum', version: '1.2.3' },
  });
  for (const part of parts) reporter.include(part);
  return reporter;
}

describe('BootReporter', () => {
  it('reports the address, versions and the driver of every part registered', () => {
    const lines = reporter({}).lines({ address: '127.0.0.1', family: 'IPv4', port: 3000 });
    expect(lines[0]).toMatch(
      new RegExp(
        `^Forum 1\\.2\\.3 ready on http://127\\.0\\.0\\.1:3000 \\(development; node ${process.versions.node}, nest \\d+\\.\\d+\\.\\d+, lattice ${LATTICE_VERSION}\\)$`,
      ),
    );
    expect(lines.slice(1)).toEqual([
      '  database sqlite  var/lattice.sqlite',
      '  cache    memory',
      '  queue    memory',
      '  state    memory',
      '  events   memory',
      '  pubsub   memory  in-process',
    ]);
  });

  it('lists only the parts the app loads, and PubSub always', () => {
    const lines = reporter({ REDIS_URL: 'redis://cache:6379' }, ['cache']).lines();
    expect(lines.slice(1)).toEqual([
      '  cache    redis',
      '  pubsub   redis   redis://cache:6379 (prefix lattice:)',
    ]);
    expect(reporter({}, []).lines().slice(1)).toEqual(['  pubsub   memory  in-process']);
  });

  it('masks the database password and shows the Redis prefix', () => {
    const lines = reporter({
      DATABASE_URL: 'mysql://root:pw@db/forum',
      REDIS_URL: 'redis://cache:6379',
      REDIS_KEY_PREFIX: 'forum:',
    }).lines({ address: '::', family: 'IPv6', port: 8080 });
    expect(lines[0]).toContain('ready on http://[::]:8080');
    expect(lines).toContain('  database mysql   mysql://root:***@db/forum');
    expect(lines).toContain('  queue    bullmq');
    expect(lines).toContain('  pubsub   redis   redis://cache:6379 (prefix forum:)');
  });
});
