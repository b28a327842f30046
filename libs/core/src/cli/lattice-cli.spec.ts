import {
  Injectable,
  Module,
  Scope,
  type LoggerService,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { LatticeError } from '../errors/lattice.error';
import { CliExitCode } from './cli.constants';
import { Command, Option } from './cli.decorators';
import { CliUsageError } from './cli.errors';
import { CommandRunner } from './command-runner';
import { runLatticeCli } from './lattice-cli';

/** What the test commands saw, and whether the application was closed. */
@Injectable()
class Journal implements OnApplicationShutdown {
  static runs: Array<{ command: string; args: string[]; options: Record<string, unknown> }> = [];
  static closed = 0;
  onApplicationShutdown(): void {
    Journal.closed++;
  }
}

/** Options shared through a base class, as the queue commands share --queue. */
abstract class ScopedCommand extends CommandRunner {
  @Option({ flags: '-q, --queue <names>', description: 'comma-separated queue names' })
  parseQueue(value: string): string[] {
    return value.split(',');
  }
}

@Command({
  name: 'greet',
  arguments: '<who> [greeting]',
  aliases: ['hello'],
  description: 'Greet someone',
})
class GreetCommand extends ScopedCommand {
  constructor(private readonly journal: Journal) {
    super();
  }

  async run(args: string[], options: Record<string, unknown>): Promise<void> {
    expect(this.journal).toBeInstanceOf(Journal); // a real provider, injected
    Journal.runs.push({ command: 'greet', args, options });
  }

  @Option({ flags: '-t, --times <n>', description: 'how many times', defaultValue: 1 })
  parseTimes(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--times must be a whole number ≥ 1, got "${value}".`);
    return n;
  }

  @Option({ flags: '--tone <tone>', description: 'how to say it', choices: ['warm', 'dry'] })
  parseTone(value: string): string {
    return value.toUpperCase();
  }

  @Option({ flags: '--loud', description: 'shout' })
  parseLoud(): boolean {
    return true;
  }
}

@Command({ name: 'fail', arguments: '<how>', description: 'Fail in the way asked' })
class FailCommand extends CommandRunner {
  async run([how]: string[]): Promise<void> {
    if (how === 'lattice')
      throw new LatticeError('TEST_BROKEN', 'The widget is broken.', 'Fix the widget.');
    if (how === 'usage') throw new CliUsageError('TEST_USAGE', 'fail needs a reason.', 'Give one.');
    if (how === 'exit-code') {
      process.exitCode = 3;
      return;
    }
    throw new Error('plain failure');
  }
}

@Module({ providers: [Journal, GreetCommand, FailCommand] })
class TestCliModule {}

async function cli(
  argv: string[],
  root: Parameters<typeof runLatticeCli>[0] = TestCliModule,
  logger?: LoggerService,
) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLatticeCli(root, {
    name: 'test-cli',
    argv,
    version: '9.9.9',
    logger,
    output: { writeOut: (text) => out.push(text), writeErr: (text) => err.push(text) },
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('runLatticeCli', () => {
  beforeEach(() => {
    Journal.runs = [];
    Journal.closed = 0;
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('runs the named command with its arguments and parsed options, then closes the application', async () => {
    const result = await cli([
      'greet',
      'Ada',
      'hi',
      '-t',
      '3',
      '--tone',
      'warm',
      '--loud',
      '-q',
      'a,b',
    ]);
    expect(result).toEqual({ code: CliExitCode.Success, stdout: '', stderr: '' });
    expect(Journal.runs).toEqual([
      {
        command: 'greet',
        args: ['Ada', 'hi'],
        options: { times: 3, tone: 'WARM', loud: true, queue: ['a', 'b'] },
      },
    ]);
    expect(Journal.closed).toBe(1);
    expect(process.exitCode).toBe(0);
  });

  it('gives the default value of an option not given, and answers to an alias', async () => {
    expect((await cli(['hello', 'Ada'])).code).toBe(CliExitCode.Success);
    expect(Journal.runs[0]).toEqual({ command: 'greet', args: ['Ada'], options: { times: 1 } });
  });

  it('lists the commands in --help and each command’s options in its own help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(CliExitCode.Success);
    expect(help.stdout).toContain('Usage: test-cli');
    expect(help.stdout).toMatch(/fail <how>\s+Fail in the way asked/);
    expect(help.stdout).toMatch(/greet\|hello .*<who> \[greeting\]\s+Greet someone/);
    expect(help.stdout.indexOf('fail <how>')).toBeLessThan(help.stdout.indexOf('greet'));

    const greet = await cli(['greet', '--help']);
    expect(greet.code).toBe(CliExitCode.Success);
    expect(greet.stdout).toMatch(/-t, --times <n>\s+how many times \(default: 1\)/);
    expect(greet.stdout).toMatch(/--tone <tone>\s+how to say it \(choices: "warm", "dry"\)/);
    expect(greet.stdout).toMatch(/-q, --queue <names>\s+comma-separated queue names/);
    expect((await cli(['help', 'greet'])).stdout).toContain('Usage: test-cli greet|hello');
    expect((await cli(['--version'])).stdout).toBe('9.9.9\n');
    expect(Journal.runs).toEqual([]);
  });

  it('refuses an unknown command with exit code 2 and the closest name', async () => {
    const result = await cli(['gret', 'Ada']);
    expect(result.code).toBe(CliExitCode.Usage);
    expect(result.stderr).toBe(
      'test-cli: unknown command "gret". Did you mean "greet"?\nRun "test-cli --help" to list the commands.\n',
    );
    expect((await cli(['zzzzzzzz'])).stderr).not.toContain('Did you mean');
    expect(Journal.closed).toBe(2);
  });

  it('answers usage errors with exit code 2 before the command runs', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['greet'], /missing required argument 'who'/],
      [['greet', 'Ada', 'hi', 'extra'], /too many arguments/],
      [['greet', 'Ada', '--tims', '2'], /unknown option '--tims'\s+\(Did you mean --times\?\)/],
      [
        ['greet', 'Ada', '-t', 'zero'],
        /option '-t, --times <n>' argument 'zero' is invalid\. --times must be a whole number ≥ 1, got "zero"\./,
      ],
      [
        ['greet', 'Ada', '--tone', 'cold'],
        /argument 'cold' is invalid\. Allowed choices are warm, dry\./,
      ],
      [['fail', 'usage'], /^fail needs a reason\.\nGive one\.\n$/],
      [[], /Usage: test-cli/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: CliExitCode.Usage });
      expect(result.stderr).toMatch(message);
    }
    expect(Journal.runs).toEqual([]);
  });

  it('prints a LatticeError as message and hint without a stack, anything else with it; exit code 1', async () => {
    const lattice = await cli(['fail', 'lattice']);
    expect(lattice).toEqual({
      code: CliExitCode.Failure,
      stdout: '',
      stderr: 'The widget is broken.\nFix the widget.\n',
    });
    const plain = await cli(['fail', 'plain']);
    expect(plain.code).toBe(CliExitCode.Failure);
    expect(plain.stderr).toMatch(/^Error: plain failure\n\s+at /);
    expect(Journal.closed).toBe(2);
  });

  it('keeps the exit code a command set after printing its own report', async () => {
    expect((await cli(['fail', 'exit-code'])).code).toBe(3);
  });

  it('reports an application that does not start, with exit code 1', async () => {
    @Injectable()
    class Broken implements OnModuleInit {
      onModuleInit(): void {
        throw new LatticeError('TEST_BOOT', 'REDIS_URL is not set.', 'Set REDIS_URL.');
      }
    }
    @Module({ providers: [Broken, GreetCommand, Journal] })
    class BrokenModule {}
    expect(await cli(['greet', 'Ada'], BrokenModule)).toEqual({
      code: CliExitCode.Failure,
      stdout: '',
      stderr: 'REDIS_URL is not set.\nSet REDIS_URL.\n',
    });
    expect(Journal.runs).toEqual([]);
  });

  it('refuses two commands of the same name, naming both classes', async () => {
    @Command({ name: 'hello', description: 'Another hello' })
    class OtherHello extends CommandRunner {
      async run(): Promise<void> {}
    }
    @Module({ providers: [Journal, GreetCommand, OtherHello] })
    class ClashModule {}
    const result = await cli(['greet', 'Ada'], ClashModule);
    expect(result.code).toBe(CliExitCode.Failure);
    expect(result.stderr).toContain('Two commands are named "hello": GreetCommand and OtherHello.');
  });

  it('refuses a @Command() class that is not a CommandRunner', async () => {
    @Command({ name: 'odd', description: 'Not a runner' })
    class Odd {}
    @Module({ providers: [Odd] })
    class OddModule {}
    const result = await cli(['odd'], OddModule);
    expect(result.code).toBe(CliExitCode.Failure);
    expect(result.stderr).toContain('Odd has @Command() but does not extend CommandRunner.');
  });

  it('leaves a request-scoped command out with a warning naming it', async () => {
    @Command({ name: 'scoped', description: 'Request-scoped' })
    @Injectable({ scope: Scope.REQUEST })
    class ScopedCommand extends CommandRunner {
      async run(): Promise<void> {}
    }
    @Module({ providers: [Journal, GreetCommand, ScopedCommand] })
    class ScopedModule {}
    const warnings: string[] = [];
    const logger: LoggerService = {
      log: () => undefined,
      error: (message: string) => warnings.push(message),
      warn: (message: string) => warnings.push(message),
    };
    const result = await cli(['scoped'], ScopedModule, logger);
    expect(result.code).toBe(CliExitCode.Usage);
    expect(result.stderr).toContain('unknown command "scoped"');
    expect(warnings).toEqual([
      expect.stringContaining('ScopedCommand has @Command() but is request-scoped or transient'),
    ]);
    expect((await cli(['greet', 'Ada'], ScopedModule, logger)).code).toBe(CliExitCode.Success);
  });
});
