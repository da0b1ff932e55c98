/**
 * sessbench's command line. The only module that writes errors to stderr or exits: every command
 * returns an exit code or throws a SessbenchError, and the handler below turns that into one
 * clear message (with a hint where there is one) and the documented exit code.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { stopWatchdog } from '../cluster/children.js';
import { ExitCode, ScenarioError, SessbenchError } from '../errors.js';
import { TOOL_VERSION } from '../util/version.js';
import { backendsCommand } from './backends.js';
import { compareCommand } from './compare.js';
import { reportCommand } from './report.js';
import { viewCommand } from './view.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { validateCommand } from './validate.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected a whole number from 0 to 2147483647');
  return n;
}

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    internal error (a bug in sessbench)
  2    invalid scenario or command-line usage
  3    thresholds failed
  4    regression against the baseline
  5    environment problem (no redis-server, no free port, unwritable folder)
  130  interrupted (Ctrl-C); partial results were written`;

/** `--set path=value`, repeatable; checked with the scenario, by the same schema. */
function setOption(): Option {
  return new Option(
    '--set <path=value>',
    'override a scenario value, e.g. load.phases[0].arrivalRate=50 (repeatable)',
  ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

function program(signal: AbortSignal, setCode: (code: number) => void): Command {
  const p = new Command('sessbench')
    .description('Load and chaos benchmarks for the session layer of AI chat services.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  p.command('run')
    .description('Run a scenario: every backend on a fresh cluster, then the comparison table and report files.')
    .argument('<scenario>', 'scenario YAML file')
    .option('-b, --backend <list>', 'only these backends (comma-separated labels or names)')
    .option(
      '--redis-url <url>',
      'use this Redis (loopback only) instead of spawning redis-server; only keys under the run prefix are touched',
    )
    .option('--redis-bin <path>', 'redis-server binary to spawn (default: found on PATH)')
    .option('-o, --out <dir>', 'folder for run outputs', 'reports')
    .addOption(new Option('--seed <n>', 'seed of every random choice (overrides the scenario)').argParser(parseSeed))
    .option('--json', 'print results.json on stdout; everything else goes to stderr')
    .option('--baseline <results.json>', 'compare with an earlier run at the end (comparison.md, job summary)')
    .option(
      '--fail-on <rules>',
      'with --baseline: regressions that fail the run, e.g. "latency.p99:+10%,turn_loss:+0.1pp"',
    )
    .option('--force', 'with --fail-on: give a verdict even against a baseline that is not comparable')
    .addOption(
      new Option(
        '--workers <n>',
        "driver threads (default: enough for the scenario's peak turn rate, at most one per core)",
      ).argParser(parseWorkers),
    )
    .addOption(setOption())
    .addHelpText(
      'after',
      '\nExample:\n  $ npx sessbench run scenarios/quickstart.yaml --backend redis,two-tier --seed 7\n  $ npx ' +
        'sessbench run scenarios/redis-latency.yaml --baseline main/results.json --fail-on "latency.p99:+10%"\n' +
        '  $ RATE=40 npx sessbench run scenarios/quickstart.yaml --set load.warmup=0s --set cluster.instances=2',
    )
    .action(async (file: string, opts) => setCode(await runCommand(file, opts, signal)));

  p.command('compare')
    .description(
      'Compare two runs: base, new, delta and delta % per backend and metric, as Markdown; significant changes are ' +
        'marked.',
    )
    .argument('<base>', 'results.json of the baseline run')
    .argument('<new>', 'results.json of the new run')
    .option(
      '--fail-on <rules>',
      'exit 4 on these regressions, e.g. "latency.p99:+10%,turn_loss:+0.1pp,latency.p50:+5ms"',
    )
    .option('--significant', 'list only significant changes')
    .option('--json', 'the comparison as JSON')
    .option('--force', 'with --fail-on: give a verdict even when the runs are not comparable')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx sessbench compare main/results.json reports/quickstart-2026-11-21T101500Z/results.json ' +
        '--fail-on "latency.p99:+10%"',
    )
    .action((base: string, next: string, opts) => setCode(compareCommand(base, next, opts)));

  p.command('report')
    .description('Render an earlier run again from its results.json.')
    .argument('<results>', 'a results.json')
    .option('-f, --format <format>', 'html | md | junit | json', 'html')
    .option('-o, --out <file>', 'write to this file (default: stdout); never over an existing file')
    .option('--force', 'with --out: overwrite an existing file')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx sessbench report reports/quickstart-2026-11-21T101500Z/results.json --format html --out ' +
        'report.html',
    )
    .action((file: string, opts) => setCode(reportCommand(file, opts)));

  p.command('view')
    .description('Serve the reports folder on a loopback port and print its URL (until Ctrl-C).')
    .argument('[dir]', 'folder of run folders', 'reports')
    .addOption(new Option('--port <n>', 'port (default: a free one)').argParser(parsePort))
    .option('--open', 'open the URL in a browser, where there is one')
    .addHelpText('after', '\nExample:\n  $ npx sessbench view reports --open')
    .action(async (dir: string, opts) => setCode(await viewCommand(dir, opts, signal)));

  p.command('validate')
    .description('Check a scenario file and print what it would run.')
    .argument('<scenario>', 'scenario YAML file')
    .addOption(setOption())
    .addHelpText(
      'after',
      '\nExample:\n  $ npx sessbench validate scenarios/quickstart.yaml --set load.phases[0].arrivalRate=50',
    )
    .action(async (file: string, opts) => setCode(await validateCommand(file, opts)));

  p.command('backends')
    .description('List the session backends, the routing each needs and what it does.')
    .addHelpText('after', '\nExample:\n  $ npx sessbench backends')
    .action(() => setCode(backendsCommand()));

  p.command('schema')
    .description('Print the scenario JSON Schema (for editor completion).')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx sessbench schema > scenario.schema.json\n  then put  # yaml-language-server: ' +
        '$schema=./scenario.schema.json  at the top of a scenario',
    )
    .action(() => setCode(schemaCommand()));
  return p;
}

/** A bug in sessbench: the one case where a stack trace reaches the user, with a line that says so. */
function reportInternal(err: unknown): void {
  process.stderr.write(
    'sessbench: internal error (a bug in sessbench, please report it):\n' +
      `${err instanceof Error ? err.stack : String(err)}\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\n${sig}: stopping…\n`);
      abort.abort();
    } else {
      process.stderr.write(`${sig} again: exiting now\n`);
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number = ExitCode.ok;
  try {
    await program(abort.signal, (c) => (code = c)).parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with exit code 0; every usage error with 2.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
    }
    if (err instanceof ScenarioError) {
      process.stderr.write(
        `${err.format()}\n${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}; nothing was run.\n`,
      );
      return err.exitCode;
    }
    if (err instanceof SessbenchError) {
      process.stderr.write(`sessbench: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return err.exitCode;
    }
    reportInternal(err);
    return ExitCode.internal;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// A bug that escapes every handler still ends with the message main() would print, exit code 1,
// and (through the 'exit' hook in cluster/children.ts) no process left behind.
process.on('unhandledRejection', (err) => {
  reportInternal(err);
  process.exit(ExitCode.internal);
});

const code = await main(process.argv);
await stopWatchdog();
// Let stdout drain before exiting (a pipe may still hold results JSON).
process.stdout.write('', () => process.exit(code));
