import { HostTree } from '@angular-devkit/schematics';
import { SchematicTestRunner, type UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';

/** The collection under test, read from the sources (Jest runs the factories' TypeScript). */
export const collectionPath = join(__dirname, '..', 'collection.json');

export function runner(): SchematicTestRunner {
  return new SchematicTestRunner('@lattice/schematics', collectionPath);
}

/** The files of a small Nest app, as `nest new` leaves them (plus nest-cli.json's sourceRoot). */
export const APP_MODULE = `import { Module } from '@nestjs/common';
import { AppController } from './app.controller';

@Module({
  imports: [],
  controllers: [AppController],
  providers: [],
})
export class AppModule {}
`;

export function appTree(extra: Record<string, string> = {}): UnitTestTree {
  const tree = new HostTree();
  const files: Record<string, string> = {
    '/package.json': JSON.stringify({ name: 'app', version: '0.0.1' }),
    '/nest-cli.json': JSON.stringify({ collection: '@lattice/schematics', sourceRoot: 'src' }),
    '/src/app.module.ts': APP_MODULE,
    '/src/app.controller.ts': `import { Controller } from '@nestjs/common';\n\n@Controller()\nexport class AppController {}\n`,
    ...extra,
  };
  for (const [path, content] of Object.entries(files)) tree.create(path, content);
  // UnitTestTree wraps a Tree; the runner gives one back from runSchematic.
  return tree as unknown as UnitTestTree;
}

/** Runs a schematic on `tree` and gives back the generated tree. */
export function run(
  schematic: string,
  options: Record<string, unknown>,
  tree: UnitTestTree = appTree(),
): Promise<UnitTestTree> {
  return runner().runSchematic(schematic, options, tree);
}
