import { HostTree } from '@angular-devkit/schematics';
import type { UnitTestTree } from '@angular-devkit/schematics/testing';
import { runner } from '../testing/app-tree';

const generate = (options: Record<string, unknown>) =>
  runner().runSchematic('application', options, new HostTree() as unknown as UnitTestTree);

describe('application schematic', () => {
  it('writes a Lattice app in a folder named after it', async () => {
    const tree = await generate({ name: 'shop' });
    expect(tree.files.filter((f) => f.startsWith('/shop/')).sort()).toEqual([
      '/shop/.ci/run',
      '/shop/.env.example',
      '/shop/.gitignore',
      '/shop/.prettierignore',
      '/shop/.prettierrc',
      '/shop/README.md',
      '/shop/docker-compose.yml',
      '/shop/jest.config.js',
      '/shop/nest-cli.json',
      '/shop/package.json',
      '/shop/src/app.factory.ts',
      '/shop/src/app.module.ts',
      '/shop/src/cli.module.ts',
      '/shop/src/database/migrations/mysql/.gitkeep',
      '/shop/src/database/migrations/sqlite/.gitkeep',
      '/shop/src/home/counter.state.spec.ts',
      '/shop/src/home/counter.state.ts',
      '/shop/src/home/home.component.spec.ts',
      '/shop/src/home/home.component.ts',
      '/shop/src/home/home.module.ts',
      '/shop/src/home/home.page.ts',
      '/shop/src/home/welcome.job.spec.ts',
      '/shop/src/home/welcome.job.ts',
      '/shop/src/main.ts',
      '/shop/test/app.e2e.spec.ts',
      '/shop/test/env.ts',
      '/shop/test/home.browser.spec.ts',
      '/shop/tsconfig.build.json',
      '/shop/tsconfig.json',
    ]);
    expect(JSON.parse(tree.readText('/shop/package.json'))).toMatchObject({ name: 'shop' });
    expect(JSON.parse(tree.readText('/shop/nest-cli.json'))).toMatchObject({
      collection: '@lattice/schematics',
    });
    const home = tree.readText('/shop/src/home/home.module.ts');
    expect(home).toContain('providers: [HomeComponent, CounterState, WelcomeJob]');
  });

  it('leaves the tests out with --spec=false, and writes into --directory', async () => {
    const tree = await generate({ name: 'shop', directory: 'apps/shop', spec: false });
    expect(tree.exists('/apps/shop/src/main.ts')).toBe(true);
    expect(tree.files.filter((f) => f.endsWith('.spec.ts'))).toEqual([]);
  });
});
