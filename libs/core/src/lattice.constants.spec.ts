import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LATTICE_VERSION } from './lattice.constants';

describe('LATTICE_VERSION', () => {
  it('matches the version in libs/core/package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(LATTICE_VERSION).toBe(pkg.version);
  });
});
