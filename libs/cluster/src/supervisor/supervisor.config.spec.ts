import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSupervisorConfig } from './supervisor.config';

const dir = mkdtempSync(join(tmpdir(), 'lattice-supervisor-'));
const defaults = { min: 1, max: 4 };

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadSupervisorConfig', () => {
  it('reads queues as "min..max", a max, or { min, max }, and the other settings as they are', () => {
    const path = file(
      'ok.json',
      JSON.stringify({
        queues: { notifications: '1..8', mail: 3, maintenance: { min: 0, max: 2 } },
        maxProcesses: 8,
        cooldownMs: 3000,
        command: ['node', 'dist/src/cli.js'],
      }),
    );
    expect(loadSupervisorConfig(path, defaults)).toEqual({
      queues: [
        { queue: 'notifications', min: 1, max: 8 },
        { queue: 'mail', min: 1, max: 3 },
        { queue: 'maintenance', min: 0, max: 2 },
      ],
      maxProcesses: 8,
      cooldownMs: 3000,
      command: ['node', 'dist/src/cli.js'],
    });
  });

  it('names the file and the field of every problem', () => {
    const path = file(
      'bad.json',
      JSON.stringify({ maxProcesses: 0, cooldown: 5, queues: { a: true } }),
    );
    expect(() => loadSupervisorConfig(path, defaults)).toThrow(
      /--config .*bad\.json is not a supervisor configuration: .*queues\.a: .*maxProcesses: .*cooldown/s,
    );
  });

  it('refuses a range whose min is above its max, and a file that is not JSON', () => {
    expect(() =>
      loadSupervisorConfig(file('range.json', '{"queues": {"a": {"min": 3, "max": 1}}}'), defaults),
    ).toThrow(/min 3 is above max 1/);
    expect(() => loadSupervisorConfig(file('text.json', 'queues: a'), defaults)).toThrow(
      /cannot be read as JSON/,
    );
    expect(() => loadSupervisorConfig(join(dir, 'missing.json'), defaults)).toThrow(
      /cannot be read as JSON: ENOENT/,
    );
  });
});
