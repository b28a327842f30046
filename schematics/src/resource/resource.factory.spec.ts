import { appTree, run } from '../testing/app-tree';

describe('resource schematic', () => {
  it('generates the whole feature in a plural folder and imports its module', async () => {
    const tree = await run('resource', { name: 'category', timestamp: 1800000000000 });
    expect(tree.files.filter((f) => f.startsWith('/src/categories/')).sort()).toEqual([
      '/src/categories/categories.controller.ts',
      '/src/categories/categories.e2e.spec.ts',
      '/src/categories/categories.module.ts',
      '/src/categories/categories.page.ts',
      '/src/categories/categories.service.ts',
      '/src/categories/category-form.component.ts',
      '/src/categories/category-list.component.ts',
      '/src/categories/category-list.query.ts',
      '/src/categories/category.entity.ts',
      '/src/categories/category.input.ts',
      '/src/categories/category.repository.ts',
    ]);
    expect(tree.readText('/src/categories/category.entity.ts')).toContain("@Entity('categories')");
    expect(tree.readText('/src/categories/categories.controller.ts')).toContain(
      "@Controller('api/categories')",
    );
    expect(tree.readText('/src/categories/categories.e2e.spec.ts')).toContain(
      "import { CreateCategoriesTable1800000000000 } from '../database/migrations/sqlite/1800000000000-create-categories-table';",
    );
    expect(
      tree.readText('/src/database/migrations/mysql/1800000000000-create-categories-table.ts'),
    ).toContain('CREATE TABLE `categories`');
    const module = tree.readText('/src/app.module.ts');
    expect(module).toContain("import { CategoriesModule } from './categories/categories.module';");
    expect(module).toContain('imports: [CategoriesModule]');
  });

  it('takes a plural name as well, and another API prefix', async () => {
    const tree = await run('resource', { name: 'posts', api: '/v1/posts/', timestamp: 1 });
    // Not Post: the controller imports Nest's @Post().
    expect(tree.readText('/src/posts/post.entity.ts')).toContain(
      'export class PostEntity extends LatticeEntity {',
    );
    expect(tree.readText('/src/posts/posts.controller.ts')).toContain('Promise<Page<PostEntity>>');
    expect(tree.readText('/src/posts/posts.controller.ts')).toContain("@Controller('v1/posts')");
  });

  it('leaves the end-to-end test out with --no-spec', async () => {
    const tree = await run('resource', { name: 'post', spec: false, timestamp: 1 });
    expect(tree.exists('/src/posts/posts.e2e.spec.ts')).toBe(false);
  });

  it('refuses to overwrite an existing feature', async () => {
    const tree = appTree({ '/src/posts/post.entity.ts': '// mine\n' });
    await expect(run('resource', { name: 'post', timestamp: 1 }, tree)).rejects.toThrow(
      'src/posts/post.entity.ts already exists',
    );
  });
});
