import { run } from '../testing/app-tree';

describe('page schematic', () => {
  it('generates a @LivePage controller and its component, and registers both', async () => {
    const tree = await run('page', { name: 'counter' });
    const page = tree.readText('/src/counter/counter.page.ts');
    expect(page).toContain("@Get('counter')");
    expect(page).toContain("@LivePage('counter', { title: 'Counter' })");
    expect(page).toContain('show(): CounterProps {');
    expect(tree.exists('/src/counter/counter.component.ts')).toBe(true);
    expect(tree.exists('/src/counter/counter.component.spec.ts')).toBe(true);
    expect(tree.readText('/src/counter/counter.page.spec.ts')).toContain(
      "expect(page).toContain('<output>0</output>');",
    );
    const module = tree.readText('/src/app.module.ts');
    expect(module).toContain('controllers: [AppController, CounterPage]');
    expect(module).toContain('providers: [CounterComponent]');
    expect(module).toContain("import { CounterPage } from './counter/counter.page';");
  });

  it('renders an existing component in a layout, on its own route', async () => {
    const tree = await run('page', {
      name: 'home',
      component: 'question-list',
      layout: 'site',
      route: '/',
      title: 'Questions',
    });
    expect(tree.readText('/src/home/home.page.ts')).toContain(
      "@LivePage('question-list', { title: 'Questions', layout: 'site' })",
    );
    expect(tree.readText('/src/home/home.page.ts')).toContain("@Get('')");
    expect(tree.exists('/src/home/home.component.ts')).toBe(false);
    expect(tree.readText('/src/app.module.ts')).not.toContain('HomeComponent');
  });

  it('leaves both specs out with --no-spec', async () => {
    const tree = await run('page', { name: 'counter', spec: false });
    expect(tree.files.filter((f) => f.endsWith('.spec.ts'))).toEqual([]);
  });
});
