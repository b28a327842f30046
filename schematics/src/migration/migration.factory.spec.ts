import { appTree, run } from '../testing/app-tree';

describe('migration schematic', () => {
  it('writes a SQLite and a MySQL migration, a create-… one with the table', async () => {
    const tree = await run('migration', {
      name: 'create-blog-posts-table',
      timestamp: 1800000000000,
    });
    const sqlite = tree.readText(
      '/src/database/migrations/sqlite/1800000000000-create-blog-posts-table.ts',
    );
    const mysql = tree.readText(
      '/src/database/migrations/mysql/1800000000000-create-blog-posts-table.ts',
    );
    expect(sqlite).toContain(
      'export class CreateBlogPostsTable1800000000000 implements MigrationInterface {',
    );
    expect(sqlite).toContain(
      'CREATE TABLE "blog_posts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL',
    );
    expect(sqlite).toContain(`await queryRunner.query('DROP TABLE "blog_posts"');`);
    expect(mysql).toContain('CREATE TABLE `blog_posts` (`id` int NOT NULL AUTO_INCREMENT');
    expect(tree.readText('/src/app.module.ts')).not.toContain('CreateBlogPosts');
  });

  it("finds the app's migrations folder and leaves other changes to write", async () => {
    const tree = await run(
      'migration',
      { name: 'add-slug', timestamp: 1 },
      appTree({
        '/src/db/migrations/sqlite/0-initial.ts': '',
        '/src/db/migrations/mysql/0-initial.ts': '',
      }),
    );
    const sqlite = tree.readText('/src/db/migrations/sqlite/1-add-slug.ts');
    expect(sqlite).toContain('async up(_queryRunner: QueryRunner): Promise<void> {');
    expect(tree.exists('/src/db/migrations/mysql/1-add-slug.ts')).toBe(true);
  });

  it('refuses to overwrite a migration', async () => {
    const tree = appTree({ '/src/database/migrations/mysql/5-add-slug.ts': '// mine' });
    await expect(run('migration', { name: 'add-slug', timestamp: 5 }, tree)).rejects.toThrow(
      'src/database/migrations/mysql/5-add-slug.ts already exists',
    );
  });

  it('writes its test beside sqlite/ and mysql/ (not in them), or none with --no-spec', async () => {
    const tree = await run('migration', { name: 'create-tags-table', timestamp: 7 });
    const spec = tree.readText('/src/database/migrations/7-create-tags-table.spec.ts');
    expect(spec).toContain("import { CreateTagsTable7 } from './sqlite/7-create-tags-table';");
    expect(spec).toContain(
      "import { CreateTagsTable7 as MySqlMigration } from './mysql/7-create-tags-table';",
    );
    expect(spec).toContain(
      "expect(await dataSource.createQueryRunner().hasTable('tags')).toBe(false);",
    );
    expect(tree.files.filter((f) => /\/(sqlite|mysql)\//.test(f)).sort()).toEqual([
      '/src/database/migrations/mysql/7-create-tags-table.ts',
      '/src/database/migrations/sqlite/7-create-tags-table.ts',
    ]);
    const bare = await run('migration', { name: 'add-slug', timestamp: 8, spec: false });
    expect(bare.files.filter((f) => f.endsWith('.spec.ts'))).toEqual([]);
  });
});
