import { SchematicsException } from '@angular-devkit/schematics';

/** Every error a Lattice schematic raises: what went wrong, why, and what to do. */
export const SchematicsMessages = {
  badName: (name: string) =>
    new SchematicsException(
      `"${name}" is not a name: it needs a letter. Give one such as "counter" or "chat/counter".`,
    ),
  fileExists: (path: string) =>
    new SchematicsException(
      `${path.replace(/^\//, '')} already exists, and Lattice schematics never overwrite a file. ` +
        'Choose another name (or --path), or move the existing file away first.',
    ),
  moduleNotFound: (path: string) =>
    new SchematicsException(
      `--module ${path}: no such file. Give the path of a *.module.ts from the app's root ` +
        '(src/chat/chat.module.ts), or leave --module out to use the nearest module.',
    ),
  noModuleDecorator: (path: string) =>
    new SchematicsException(
      `${path.replace(/^\//, '')} has no @Module({ ... }) decorator with an object literal, so there ` +
        'is nowhere to register the new class. Point --module at a Nest module file, or pass --skip-import.',
    ),
  metadataNotArray: (path: string, property: string) =>
    new SchematicsException(
      `${path.replace(/^\//, '')}: @Module's "${property}" is not an array literal, so the new class ` +
        `cannot be added to it. Write "${property}: [...]" in the module, or pass --skip-import and add it yourself.`,
    ),
  migrationsNotFound: (path: string) =>
    new SchematicsException(
      `${path}: no such folder. Give --path the folder that holds the sqlite/ and mysql/ migration folders.`,
    ),
};
