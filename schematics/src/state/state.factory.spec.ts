import { run } from '../testing/app-tree';

describe('state schematic', () => {
  it('generates a @StateDefinition with reducers in the providers', async () => {
    const tree = await run('state', { name: 'scoreboard' });
    const source = tree.readText('/src/scoreboard/scoreboard.state.ts');
    expect(source).toContain("@StateDefinition({ name: 'scoreboard', conflicts: 'retry' })");
    expect(source).toContain(
      'export class ScoreboardState implements StateReducer<ScoreboardValue> {',
    );
    expect(source).toContain("@Apply('incremented', z.object({ by: z.number().int().min(1) }))");
    expect(tree.readText('/src/scoreboard/scoreboard.state.spec.ts')).toContain(
      "states.dispatch('scoreboard:2', { type: 'incremented', payload: { by: 2 } })",
    );
    expect(tree.readText('/src/app.module.ts')).toContain('providers: [ScoreboardState]');
  });

  it('keeps the streams in --store', async () => {
    const tree = await run('state', { name: 'scoreboard', store: 'sql' });
    expect(tree.readText('/src/scoreboard/scoreboard.state.ts')).toContain(
      "@StateDefinition({ name: 'scoreboard', conflicts: 'retry', store: 'sql' })",
    );
  });
});
