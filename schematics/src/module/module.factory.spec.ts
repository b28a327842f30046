import { APP_MODULE, appTree, run } from '../testing/app-tree';

describe('module schematic', () => {
  it('generates the module and its spec in a folder named after it', async () => {
    const tree = await run('module', { name: 'chat' });
    expect(tree.files.filter((f) => f.startsWith('/src/chat/'))).toEqual([
      '/src/chat/chat.module.spec.ts',
      '/src/chat/chat.module.ts',
    ]);
    expect(tree.readText('/src/chat/chat.module.ts')).toContain('export class ChatModule {}');
  });

  it('imports it in the app module through the syntax tree', async () => {
    const tree = await run('module', { name: 'chat-rooms' });
    expect(tree.readText('/src/app.module.ts')).toBe(
      APP_MODULE.replace(
        "import { AppController } from './app.controller';",
        "import { AppController } from './app.controller';\nimport { ChatRoomsModule } from './chat-rooms/chat-rooms.module';",
      ).replace('imports: [],', 'imports: [ChatRoomsModule],'),
    );
  });

  it('registers a nested module in the nearest module above it', async () => {
    let tree = await run('module', { name: 'chat' });
    tree = await run('module', { name: 'chat/rooms' }, tree);
    expect(tree.readText('/src/chat/chat.module.ts')).toContain('imports: [RoomsModule]');
    expect(tree.readText('/src/chat/chat.module.ts')).toContain(
      "import { RoomsModule } from './rooms/rooms.module';",
    );
    expect(tree.readText('/src/app.module.ts')).not.toContain('RoomsModule');
  });

  it('registers in --module instead', async () => {
    let tree = await run('module', { name: 'chat' });
    tree = await run('module', { name: 'admin', module: 'chat' }, tree);
    expect(tree.readText('/src/chat/chat.module.ts')).toContain(
      "import { AdminModule } from '../admin/admin.module';",
    );
  });

  it('leaves the spec out with --no-spec and the module alone with --skip-import', async () => {
    const tree = await run('module', { name: 'chat', spec: false, skipImport: true });
    expect(tree.exists('/src/chat/chat.module.spec.ts')).toBe(false);
    expect(tree.readText('/src/app.module.ts')).toBe(APP_MODULE);
  });

  it('refuses to overwrite an existing module', async () => {
    const tree = appTree({ '/src/chat/chat.module.ts': '// mine\n' });
    await expect(run('module', { name: 'chat' }, tree)).rejects.toThrow(
      'src/chat/chat.module.ts already exists, and Lattice schematics never overwrite a file.',
    );
    expect(tree.readText('/src/chat/chat.module.ts')).toBe('// mine\n');
  });

  it('names a --module that does not exist', async () => {
    await expect(run('module', { name: 'chat', module: 'nowhere' })).rejects.toThrow(
      "--module nowhere: no such file. Give the path of a *.module.ts from the app's root",
    );
  });
});
