import { appTree, run, runner as schematicsRunner } from '../testing/app-tree';

const DATABASE = `import { DatabaseModule } from '@lattice/database';
import { ForumSeeder } from './seeds/forum.seeder';

export const database = () => DatabaseModule.forRoot({ seeders: [ForumSeeder] });
`;

describe('seeder schematic', () => {
  it('writes the seeder into the seeds folder and adds it to DatabaseModule seeders', async () => {
    const tree = await run(
      'seeder',
      { name: 'tags' },
      appTree({ '/src/database/database.ts': DATABASE, '/src/database/seeds/forum.seeder.ts': '' }),
    );
    expect(tree.readText('/src/database/seeds/tags.seeder.ts')).toContain(
      'export class TagsSeeder extends Seeder {',
    );
    const database = tree.readText('/src/database/database.ts');
    expect(database).toContain("import { TagsSeeder } from './seeds/tags.seeder';");
    expect(database).toContain('seeders: [ForumSeeder, TagsSeeder]');
  });

  it('says where to list it when the app has no seeders yet', async () => {
    const runner = schematicsRunner();
    const messages: string[] = [];
    runner.logger.subscribe((entry) => messages.push(entry.message));
    const tree = await runner.runSchematic('seeder', { name: 'tags' }, appTree());
    expect(tree.exists('/src/database/seeds/tags.seeder.ts')).toBe(true);
    expect(messages.join('\n')).toContain(
      'list TagsSeeder in DatabaseModule.forRoot({ seeders: [TagsSeeder] })',
    );
  });

  it('writes a test that seeds on in-memory SQLite, or none with --no-spec', async () => {
    const tree = await run('seeder', { name: 'tags' });
    const spec = tree.readText('/src/database/seeds/tags.seeder.spec.ts');
    expect(spec).toContain("import { TagsSeeder } from './tags.seeder';");
    expect(spec).toContain('DatabaseModule.forRoot({ seeders: [TagsSeeder] })');
    const bare = await run('seeder', { name: 'tags', spec: false });
    expect(bare.exists('/src/database/seeds/tags.seeder.spec.ts')).toBe(false);
  });
});
