/**
 * The base class of a command: decorate a subclass with `@Command()`, register it as a
 * provider, and `runLatticeCli()` finds it. It is an ordinary Nest provider, so its
 * constructor receives the services it needs.
 *
 * To fail after printing your own report, set `process.exitCode = 1` and return; to fail
 * with a message, throw (a `LatticeError` prints its message and hint, without a stack).
 */
export abstract class CommandRunner {
  /**
   * @param args the positional arguments declared in `@Command({ arguments })`, in order
   * @param options the options by camel-cased long name (`--dry-run` → `dryRun`), each
   *   value as its `@Option()` method returned it
   */
  abstract run(args: string[], options: Record<string, unknown>): Promise<void>;
}
