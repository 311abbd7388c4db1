// The composition root: parses the command line and wires config, secrets, redaction and the supervisor together.
import type { Transform } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { deriveCommand } from './command.js';
import { declareInDotenv, readDotenv, readSinchJson } from './config.js';
import { bootLine, childEnvironment, loadConfiguration, openLocalStore, type ConfigureOptions } from './configure.js';
import { logOptionsIn, parseCommandLine, type CheckArgs, type GlobalArgs, type RunArgs, type SecretsAction, type SecretsArgs } from './command-line.js';
import { EntrypointError, ExitCode } from './exit-codes.js';
import { createLogger, type Logger, type LoggerOptions } from './log.js';
import type { Secret } from './redact/needles.js';
import { redactStdio } from './redact/pump.js';
import { compileRedaction, createMatcher, createRedactor, type Redaction } from './redact/stream.js';
import { planClients } from './sdk-clients.js';
import { restoreEndingSignals, takeSignals } from './signals.js';
import { quietStdioOnFirstUse, stderrBlocking } from './stdio.js';
import { supervise, type Outputs } from './supervise.js';

/** Runs one command line and resolves to the exit code to leave with. */
export async function cli(argv: string[]): Promise<number> {
  quietStdioOnFirstUse();
  try {
    const parsed = await parseCommandLine(argv);
    switch (parsed.command) {
      case 'run':
        return await runCommand(parsed.args, argv);
      case 'redact':
        return await redactCommand(parsed.args);
      case 'check':
        return await checkCommand(parsed.args);
      case 'secrets':
        return await secretsCommand(parsed.action, parsed.args);
    }
  } catch (error) {
    return report(error, createLogger(process.stderr, logOptionsIn(argv)));
  }
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
async function checkCommand(args: CheckArgs): Promise<number> {
  const log = createLogger(process.stderr, logOptions(args));
  const resolved = await loadConfiguration({ ...configureOptions(args), enforce: false }, log);
  const { checkReport, printCheck } = await import('./check.js');
  // The child would inherit our environment too: a client unlocked by `docker run -e` counts.
  const plan = checkReport(resolved, planClients(childEnvironment(resolved, process.env)));
  return printCheck(plan, { json: args.json, allowMissing: args['allow-missing'], out: (text) => process.stdout.write(text), log });
}

/** `secrets add|list|get|delete` on the local store, under the function's namespace from sinch.json. */
async function secretsCommand(action: SecretsAction, args: SecretsArgs): Promise<number> {
  const log = createLogger(process.stderr, logOptions(args));
  const [prompt, command] = await Promise.all([import('./prompt.js'), import('./secrets-command.js')]);
  const tty = process.stdin.isTTY ? (process.stdin as ReadStream) : undefined;
  return command.secretsCommand(action, args, {
    openStore: () => openLocalStore(readSinchJson(args.dir).name, args['secrets-timeout'], log),
    declare: (key) => (declareInDotenv(args.dir, key, log) ? readDotenv(args.dir, log).path : undefined),
    readValue: (key) => (tty ? prompt.readHidden(`Value for ${key} (hidden; Enter ends it): `, tty, process.stderr) : prompt.readPiped(process.stdin)),
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
async function runCommand(args: RunArgs, argv: string[]): Promise<number> {
  const stopTimeout = args['stop-timeout'];
  // Until the redactor exists no secret is known, and our messages never carry a value.
  const bootLog = createLogger(process.stderr, logOptions(args));
  const resolved = await loadConfiguration(configureOptions(args), bootLog);
  // The child's command is everything after the first `--`, exactly as given (yargs would turn "010" into 10).
  const given = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : [];
  const { command, args: commandArgs } = given.length > 0
    ? { command: given[0]!, args: given.slice(1) }
    : deriveCommand(args.dir, resolved.runtime);

  const options = { holdMs: args['hold-ms'], rawLimit: args['raw-limit'] };
  const outputs = (): Outputs => {
    const redaction = compileSecrets([...resolved.secrets, ...(resolved.credentials ?? [])], args, bootLog);
    const redactor = (): Transform => createRedactor(createMatcher(redaction, args.mask), options);
    const [stdout, stderr] = [redactor(), redactor()];
    for (const [from, to] of [[stdout, process.stdout], [stderr, process.stderr]] as const) {
      from.pipe(to);
      // A reader that went away (EPIPE: `| head`) is no reason to stop supervising: that output is dropped.
      to.on('error', () => from.unpipe(to).resume());
    }
    return { stdout, stderr, log: createLogger(stderr, logOptions(args)) }; // ours go through the child's stderr redactor
  };
  return supervise({
    command,
    args: commandArgs,
    env: childEnvironment(resolved, process.env),
    outputs,
    stopTimeoutMs: stopTimeout * 1000,
    singleChild: args['single-child'],
    signals: takeSignals,
    onStart: (pid, log) => log.notice(...bootLine(resolved, [command, ...commandArgs], pid)),
  });
}
