// The composition root: parses the command line and wires config, secrets, redaction and the supervisor together.
import type { Transform } from 'node:stream';
import type { ReadStream } from 'node:tty';
import yargs from 'yargs';
import { deriveCommand } from './command.js';
import { declareInDotenv, readDotenv, readSinchJson } from './config.js';
import { bootLine, childEnvironment, loadConfiguration, openLocalStore, type ConfigureOptions } from './configure.js';
import { directory, logOptionsIn, usageError, whole, within, MAX_TIMER_MS } from './flags.js';
import { EntrypointError, ExitCode } from './exit-codes.js';
import { createLogger, type Logger, type LoggerOptions } from './log.js';
import type { Secret } from './redact/needles.js';
import { redactStdio } from './redact/pump.js';
import { compileRedaction, createMatcher, createRedactor, type Redaction } from './redact/stream.js';
import { planClients } from './sdk-clients.js';
import { restoreEndingSignals, takeSignals } from './signals.js';
import { quietStdioOnFirstUse, stderrBlocking } from './stdio.js';

/** The package version, put in by the build (scripts/build.js). */
declare const SINCH_ENTRYPOINT_VERSION: string;

/** Options every command shares. */
interface GlobalArgs {
  dir: string;
  mask: string;
  'min-secret-length': number;
  'hold-ms': number;
  'raw-limit': number;
  quiet: boolean;
  'log-format': 'text' | 'json';
  environment?: string;
  'secrets-dir'?: string;
  'allow-missing': boolean;
  'secrets-timeout': number;
}

/** Runs one command line and resolves to the exit code to leave with. */
export async function cli(argv: string[]): Promise<number> {
  quietStdioOnFirstUse();
  let code: number = ExitCode.ok;
  const parser = yargs(argv)
    .scriptName('sinch-entrypoint')
    .usage('$0 [run] [options] -- <command> [args...]')
    .strict()
    .option('dir', { type: 'string', requiresArg: true, default: '.', coerce: directory, describe: 'Project directory (sinch.json, .env)' })
    .option('mask', { type: 'string', requiresArg: true, default: '***', describe: 'Mask text; {name} expands to the secret key' })
    .option('min-secret-length', { type: 'string', requiresArg: true, default: 4, coerce: whole('min-secret-length', 1), describe: 'Shortest secret value (bytes) that is masked' })
    .option('hold-ms', { type: 'string', requiresArg: true, default: 50, coerce: within('hold-ms', 0), describe: 'Deadline before held bytes that may begin a secret are released (ms)' })
    .option('raw-limit', { type: 'string', requiresArg: true, default: 3, coerce: whole('raw-limit', 0), describe: 'At that deadline, up to this many held bytes are output raw; more are masked' })
    .option('quiet', { type: 'boolean', default: false, describe: 'Silence our notices' })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Format of our own messages' })
    .option('environment', { type: 'string', requiresArg: true, describe: 'development or production (default: $SINCH_ENVIRONMENT, else development)' })
    .option('secrets-dir', { type: 'string', requiresArg: true, describe: 'Directory of mounted secret files, one per key (default: /run/secrets when it exists)' })
    .option('allow-missing', { type: 'boolean', default: false, describe: 'Start even when a declared secret has no value (a warning, not exit 78)' })
    .option('secrets-timeout', { type: 'string', requiresArg: true, default: 30_000, coerce: within('secrets-timeout', 1), describe: 'Deadline for reading a secret store: all platform retries, each keychain call (ms)' })
    .command(['run', '$0'], 'Run the function (the command after --, else one derived from sinch.json) with its configuration, masking secrets in its output', (y) =>
      y.option('stop-timeout', { type: 'string', requiresArg: true, default: 10, coerce: within('stop-timeout', 0, MAX_TIMER_MS / 1000), describe: 'Seconds the function has to stop after SIGTERM/SIGINT before SIGKILL' }), async (args) => {
      code = await runCommand(args, argv);
    })
    .command('redact', "Filter stdin to stdout, masking the project's secrets", (y) => y, async (args) => {
      code = await redactCommand(args);
    })
    .command('check', 'Show the resolved configuration without starting anything', (y) =>
      y.option('json', { type: 'boolean', default: false, describe: 'Print the plan as JSON' }), async (args) => {
      code = await checkCommand(args);
    })
    .command('secrets', 'Manage secrets in the OS keychain (or the file store)', (y) => y
      .command('add <key> [value]', 'Store a secret (VALUE from stdin when omitted or -) and declare KEY= in .env', (s) => s
        .positional('key', { type: 'string', demandOption: true }).positional('value', { type: 'string' }), async (args) => {
        code = await secretsCommand('add', args);
      })
      .command('list', 'Names of stored secrets', (s) => s, async (args) => {
        code = await secretsCommand('list', args);
      })
      .command('get <key>', 'Whether a secret is stored (its value only with --show)', (s) => s
        .positional('key', { type: 'string', demandOption: true }).option('show', { type: 'boolean', default: false }), async (args) => {
        code = await secretsCommand('get', args);
      })
      .command('delete <key>', 'Delete a stored secret', (s) => s
        .positional('key', { type: 'string', demandOption: true }).option('force', { type: 'boolean', default: false, describe: 'No confirmation; absent is not an error' }), async (args) => {
        code = await secretsCommand('delete', args);
      })
      .demandCommand(1, 'secrets: choose add, list, get or delete'))
    .help()
    .version(SINCH_ENTRYPOINT_VERSION)
    .fail((message, error) => {
      // yargs reports its own usage errors (and our `coerce` checks) as YError; a handler's error passes through.
      if (error && error.name !== 'YError') throw error;
      throw usageError(message ?? error?.message ?? 'usage error', argv);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    return report(error, createLogger(process.stderr, logOptionsIn(argv)));
  }
  return code;
}

/** How our messages look, from the parsed flags (errors before or from parsing read argv: `logOptionsIn`). */
function logOptions(args: GlobalArgs): LoggerOptions {
  return { quiet: args.quiet, format: args['log-format'] };
}

/** Maps a failure to one line on stderr and its exit code; never prints a stack for a user error. */
function report(error: unknown, log: Logger): number {
  if (error instanceof EntrypointError) {
    log.error(error.message);
    return error.exitCode;
  }
  log.error(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  return ExitCode.software;
}

/** The configuration options out of the command line. */
function configureOptions(args: GlobalArgs): ConfigureOptions {
  return {
    dir: args.dir,
    environment: args.environment,
    secretsDir: args['secrets-dir'],
    allowMissing: args['allow-missing'],
    storeTimeoutMs: args['secrets-timeout'],
  };
}

/** `check`: the resolved plan (sources, SDK clients) without starting anything; exit 78 when a declared key is missing. */
async function checkCommand(args: GlobalArgs & { json: boolean }): Promise<number> {
  const log = createLogger(process.stderr, logOptions(args));
  const resolved = await loadConfiguration({ ...configureOptions(args), enforce: false }, log);
  const { checkReport, printCheck } = await import('./check.js');
  // The child would inherit our environment too: a client unlocked by `docker run -e` counts.
  const plan = checkReport(resolved, planClients(childEnvironment(resolved, process.env)));
  return printCheck(plan, { json: args.json, allowMissing: args['allow-missing'], out: (text) => process.stdout.write(text), log });
}

type SecretsArgs = GlobalArgs & { key?: string; value?: string; show?: boolean; force?: boolean };

/** `secrets add|list|get|delete` on the local store, under the function's namespace from sinch.json. */
async function secretsCommand(action: 'add' | 'list' | 'get' | 'delete', args: SecretsArgs): Promise<number> {
  const log = createLogger(process.stderr, logOptions(args));
  const [prompt, command] = await Promise.all([import('./prompt.js'), import('./secrets-command.js')]);
  const tty = process.stdin.isTTY ? (process.stdin as ReadStream) : undefined;
  return command.secretsCommand(action, args, {
    openStore: () => openLocalStore(readSinchJson(args.dir).name, args['secrets-timeout'], log),
    declare: (key) => (declareInDotenv(args.dir, key, log) ? readDotenv(args.dir, log).path : undefined),
    readValue: (key) => (tty ? prompt.readHidden(`Value for ${key}: `, tty, process.stderr) : prompt.readPiped(process.stdin)),
    ...(tty ? { confirm: (question: string) => prompt.confirm(question, tty, process.stderr) } : {}),
    out: (line) => process.stdout.write(`${line}\n`),
    log,
  });
}

/** `redact`: stdin to stdout through one redactor; a closed stdout (EPIPE) ends it quietly. */
async function redactCommand(args: GlobalArgs): Promise<number> {
  const log = createLogger(stderrBlocking, logOptions(args));
  const { secrets, credentials = [] } = await loadConfiguration({ ...configureOptions(args), clientsWarning: false }, log);
  const matcher = createMatcher(compileSecrets([...secrets, ...credentials], args, log), args.mask);
  // The pump blocks in read(2), where no signal handler of ours can run: a stop request takes its default action,
  // as for `cat`. Not as PID 1, whom the kernel shields from default actions: there streams keep our handlers.
  const blocking = process.pid !== 1;
  if (blocking) restoreEndingSignals();
  await redactStdio(matcher, { holdMs: args['hold-ms'], rawLimit: args['raw-limit'], blocking });
  return ExitCode.ok;
}

/** Compiles the secrets for masking under the length flags, naming on stderr each one too short to mask. */
function compileSecrets(secrets: Secret[], args: GlobalArgs, log: Logger): Redaction {
  const minValueBytes = args['min-secret-length'];
  const redaction = compileRedaction(secrets, { minValueBytes, minDerivedBytes: Math.max(8, minValueBytes) });
  for (const name of redaction.tooShort) log.warn(`not masking ${name}: its value is shorter than ${minValueBytes} bytes (--min-secret-length)`);
  return redaction;
}

/** `run` (the default command): the function as our child with its configuration, both its outputs masked. */
async function runCommand(args: GlobalArgs & { 'stop-timeout': number }, argv: string[]): Promise<number> {
  const stopTimeout = args['stop-timeout'];
  // execa is the largest module on this path: its loading overlaps the configuration's reads.
  const supervisor = import('./supervise.js');
  supervisor.catch(() => undefined); // awaited below; a boot that fails first must not also fail on this
  // Until the redactor exists no secret is known, and our messages never carry a value.
  const bootLog = createLogger(process.stderr, logOptions(args));
  const resolved = await loadConfiguration(configureOptions(args), bootLog);
  // The child's command is everything after the first `--`, exactly as given (yargs would turn "010" into 10).
  const given = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : [];
  const { command, args: commandArgs } = given.length > 0
    ? { command: given[0]!, args: given.slice(1) }
    : deriveCommand(args.dir, resolved.runtime);

  const redaction = compileSecrets([...resolved.secrets, ...(resolved.credentials ?? [])], args, bootLog);
  const options = { holdMs: args['hold-ms'], rawLimit: args['raw-limit'] };
  const redactor = (): Transform => createRedactor(createMatcher(redaction, args.mask), options);
  const [stdout, stderr] = [redactor(), redactor()];
  for (const [from, to] of [[stdout, process.stdout], [stderr, process.stderr]] as const) {
    from.pipe(to);
    // A reader that went away (EPIPE: `| head`) is no reason to stop supervising: that output is dropped.
    to.on('error', () => from.unpipe(to).resume());
  }
  const log = createLogger(stderr, logOptions(args)); // ours go through the same redactor as the child's stderr
  const { supervise } = await supervisor;
  return supervise({
    command,
    args: commandArgs,
    env: childEnvironment(resolved, process.env),
    stdout,
    stderr,
    stopTimeoutMs: stopTimeout * 1000,
    log,
    signals: takeSignals,
    onStart: (pid) => log.notice(...bootLine(resolved, [command, ...commandArgs], pid)),
  });
}
