import { createRequire } from 'node:module';
import type { CliOutput } from '@lattice/core/cli';
import { LatticeCliMessages } from '../cli.messages';

/** What a schematic did to one file (the workflow's reporter events). */
export interface SchematicChange {
  kind: 'create' | 'update' | 'delete' | 'rename' | 'error';
  path: string;
  /** For `error`: why the file could not be written (`alreadyExist`, `doesNotExist`). */
  description?: string;
  bytes?: number;
}

/** What a run asks for. */
export interface SchematicRun {
  /** The collection.json path (see `findCollection`). */
  collection: string;
  schematic: string;
  options: Record<string, unknown>;
  /** Where the files go: the app's folder (make:*), the current one (new). */
  root: string;
  dryRun: boolean;
  output: CliOutput;
}

// The parts of @angular-devkit/schematics' NodeWorkflow used here. It is loaded from beside the
// collection (@lattice/schematics depends on it), so @lattice/cli needs no copy of its own.
interface Subscribable<T> {
  subscribe(observer: {
    next?: (value: T) => void;
    error?: (e: unknown) => void;
    complete?: () => void;
  }): unknown;
}
interface Workflow {
  reporter: Subscribable<{
    kind: string;
    path: string;
    description?: string;
    content?: Uint8Array;
  }>;
  execute(context: {
    collection: string;
    schematic: string;
    options: object;
    allowPrivate?: boolean;
    debug: boolean;
  }): Subscribable<void>;
}
type WorkflowClass = new (
  root: string,
  options: { dryRun: boolean; force: boolean; resolvePaths: string[]; schemaValidation: boolean },
) => Workflow;

/**
 * Runs a schematic through @angular-devkit/schematics' NodeWorkflow, as `nest g` and the
 * schematics CLI do, printing each change as `CREATE src/x.ts (120 bytes)`. Nothing is written
 * when any file is in the way (the workflow checks the whole change first) or with `dryRun`.
 */
export async function runSchematic(run: SchematicRun): Promise<SchematicChange[]> {
  const require = createRequire(run.collection);
  let NodeWorkflow: WorkflowClass;
  try {
    ({ NodeWorkflow } = require('@angular-devkit/schematics/tools') as {
      NodeWorkflow: WorkflowClass;
    });
  } catch {
    throw LatticeCliMessages.schematicsMissing(`lattice ${run.schematic}`);
  }
  const workflow = new NodeWorkflow(run.root, {
    dryRun: run.dryRun,
    force: false,
    // The collection's `extends` (@nestjs/schematics) resolves from the app first.
    resolvePaths: [run.root, run.collection],
    schemaValidation: true,
  });
  const changes: SchematicChange[] = [];
  workflow.reporter.subscribe({
    next: (event) => {
      const kind = event.kind as SchematicChange['kind'];
      const path = event.path.replace(/^\//, '');
      changes.push({ kind, path, description: event.description, bytes: event.content?.length });
      if (kind !== 'error')
        run.output.writeOut(
          `${kind.toUpperCase()} ${path}${event.content ? ` (${event.content.length} bytes)` : ''}\n`,
        );
    },
  });
  try {
    await new Promise<void>((resolve, reject) =>
      workflow
        .execute({
          collection: run.collection,
          schematic: run.schematic,
          options: run.options,
          allowPrivate: false,
          debug: false,
        })
        .subscribe({ error: reject, complete: resolve }),
    );
  } catch (error) {
    const problems = changes
      .filter((c) => c.kind === 'error')
      .map(
        (c) =>
          `${c.path} ${c.description === 'alreadyExist' ? 'already exists' : 'does not exist'}`,
      );
    if (problems.length) throw LatticeCliMessages.schematicFailed(run.schematic, problems);
    // The schematic's own refusal (a bad name, an option its schema refuses): its message is the point.
    throw LatticeCliMessages.schematicStopped(
      run.schematic,
      error instanceof Error ? error.message : String(error),
    );
  }
  if (run.dryRun) run.output.writeOut('Dry run: nothing was written.\n');
  return changes;
}
