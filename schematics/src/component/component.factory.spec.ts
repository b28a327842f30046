import { appTree, run } from '../testing/app-tree';

describe('component schematic', () => {
  it('generates a live component and its spec, and lists it in the providers', async () => {
    const tree = await run('component', { name: 'Counter' });
    const source = tree.readText('/src/counter/counter.component.ts');
    expect(source).toContain("@Component({ name: 'counter' })");
    expect(source).toContain(
      'export class CounterComponent extends ComponentService<CounterProps, CounterState> {',
    );
    expect(source).toContain(
      "@On('add', z.object({ by: z.coerce.number().int().min(1).max(100) }))",
    );
    expect(source).toContain('<output>${count}</output>');
    expect(tree.exists('/src/counter/counter.component.spec.ts')).toBe(true);
    const module = tree.readText('/src/app.module.ts');
    expect(module).toContain("import { CounterComponent } from './counter/counter.component';");
    expect(module).toContain('providers: [CounterComponent]');
  });

  it('goes into the feature module of its folder', async () => {
    let tree = await run('module', { name: 'chat' });
    tree = await run('component', { name: 'chat/message-list' }, tree);
    const module = tree.readText('/src/chat/chat.module.ts');
    expect(module).toContain(
      "import { MessageListComponent } from './message-list/message-list.component';",
    );
    expect(module).toContain('providers: [MessageListComponent]');
    expect(tree.readText('/src/chat/message-list/message-list.component.ts')).toContain(
      "@Component({ name: 'message-list' })",
    );
  });

  it('keeps a module laid out one per line that way', async () => {
    const module = `import { Module } from '@nestjs/common';
import { A } from './a';

@Module({
  providers: [
    A,
  ],
})
export class AppModule {}
`;
    const tree = await run(
      'component',
      { name: 'counter', flat: true },
      appTree({ '/src/app.module.ts': module }),
    );
    expect(tree.readText('/src/app.module.ts')).toBe(`import { Module } from '@nestjs/common';
import { A } from './a';
import { CounterComponent } from './counter.component';

@Module({
  providers: [
    A,
    CounterComponent,
  ],
})
export class AppModule {}
`);
  });

  it('adds nothing twice', async () => {
    const module = `import { Module } from '@nestjs/common';
import { CounterComponent } from './counter/counter.component';

@Module({ providers: [CounterComponent] })
export class AppModule {}
`;
    const tree = await run(
      'component',
      { name: 'counter' },
      appTree({ '/src/app.module.ts': module }),
    );
    expect(tree.readText('/src/app.module.ts')).toBe(module);
  });

  it('says which module cannot take it', async () => {
    const module = `import { Module } from '@nestjs/common';\nconst providers = [];\n@Module({ providers })\nexport class AppModule {}\n`;
    await expect(
      run('component', { name: 'counter' }, appTree({ '/src/app.module.ts': module })),
    ).rejects.toThrow(`src/app.module.ts: @Module's "providers" is not an array literal`);
  });

  it('writes imports with .js in an ESM app', async () => {
    const tree = await run(
      'component',
      { name: 'counter' },
      appTree({ '/package.json': JSON.stringify({ name: 'app', type: 'module' }) }),
    );
    expect(tree.readText('/src/app.module.ts')).toContain("from './counter/counter.component.js';");
  });

  it('follows the app prettier settings', async () => {
    const tree = await run(
      'component',
      { name: 'counter' },
      appTree({ '/.prettierrc': JSON.stringify({ singleQuote: false, tabWidth: 4 }) }),
    );
    const source = tree.readText('/src/counter/counter.component.ts');
    expect(source).toContain(
      'import { Component, ComponentService, html, On } from "@lattice/live";',
    );
    expect(source).toContain('\n    mount({ start = 0 }: CounterProps): CounterState {');
    expect(tree.readText('/src/app.module.ts')).toContain(
      'import { CounterComponent } from "./counter/counter.component";',
    );
  });

  it('refuses to overwrite a component', async () => {
    const tree = appTree({ '/src/counter/counter.component.spec.ts': '// mine\n' });
    await expect(run('component', { name: 'counter' }, tree)).rejects.toThrow(
      'src/counter/counter.component.spec.ts already exists',
    );
  });
});
