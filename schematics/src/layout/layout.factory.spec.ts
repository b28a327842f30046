import { run } from '../testing/app-tree';

describe('layout schematic', () => {
  it('generates a @Layout in the providers', async () => {
    const tree = await run('layout', { name: 'site' });
    expect(tree.readText('/src/site/site.layout.ts')).toContain("@Layout({ name: 'site' })");
    expect(tree.readText('/src/site/site.layout.ts')).toContain(
      'export class SiteLayout implements LiveLayout {',
    );
    expect(tree.exists('/src/site/site.layout.spec.ts')).toBe(true);
    expect(tree.readText('/src/app.module.ts')).toContain('providers: [SiteLayout]');
  });

  it('renders inside --parent', async () => {
    const tree = await run('layout', { name: 'admin', parent: 'site', flat: true });
    expect(tree.readText('/src/admin.layout.ts')).toContain(
      "@Layout({ name: 'admin', parent: 'site' })",
    );
  });
});
