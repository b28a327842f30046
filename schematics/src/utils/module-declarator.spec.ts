import { declareInModule } from './module-declarator';

const add = (source: string, property: 'providers' | 'controllers' | 'imports' = 'providers') =>
  declareInModule(source, '/src/app.module.ts', { symbol: 'Counter', from: './counter', property });

describe('declareInModule', () => {
  it('fills an empty @Module({})', () => {
    expect(
      add(`import { Module } from '@nestjs/common';\n\n@Module({})\nexport class AppModule {}\n`),
    ).toBe(
      `import { Module } from '@nestjs/common';\nimport { Counter } from './counter';\n\n@Module({ providers: [Counter] })\nexport class AppModule {}\n`,
    );
  });

  it('adds a missing array on its own line, after the last one', () => {
    const source = `import { Module } from '@nestjs/common';

@Module({
  imports: [A],
})
export class AppModule {}
`;
    expect(add(source, 'controllers')).toContain(`@Module({
  imports: [A],
  controllers: [Counter],
})`);
  });

  it('joins an existing import of the same file', () => {
    const source = `import { Module } from '@nestjs/common';
import { CounterState } from './counter';

@Module({ providers: [CounterState] })
export class AppModule {}
`;
    const edited = add(source);
    expect(edited).toContain(`import { CounterState, Counter } from './counter';`);
    expect(edited).toContain('providers: [CounterState, Counter]');
  });

  it('keeps comments and the rest of the file', () => {
    const source = `// the app
import { Module } from '@nestjs/common';

/** Root. */
@Module({
  // feature modules
  imports: [],
  providers: [
    A, // first
  ],
})
export class AppModule {
  static note = 'kept';
}
`;
    const edited = add(source);
    expect(edited).toContain('// the app\n');
    expect(edited).toContain('  // feature modules\n');
    expect(edited).toContain('    A, // first\n    Counter,\n  ],');
    expect(edited).toContain("static note = 'kept';");
  });

  it('refuses a file without @Module', () => {
    expect(() => add('export class NotAModule {}\n')).toThrow('no-module-decorator');
  });
});

describe('declareInModule after a commented last element without a comma', () => {
  it('keeps the comment on its line', () => {
    const source = `import { Module } from '@nestjs/common';

@Module({
  providers: [
    A // first
  ],
})
export class AppModule {}
`;
    expect(add(source)).toContain('    A, // first\n    Counter\n  ],');
  });
});
