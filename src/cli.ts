// The composition root: parses the command line and wires config, secrets, redaction and the supervisor together.
import { resolve } from 'node:path';
import type { ReadStream } from 'node:tty';
import { logOptionsIn, parseCommandLine, type CheckArgs, type CommonArgs, type ConfigArgs, type RedactArgs, type RunArgs, type SecretsAction, type SecretsArgs } from './command-line.js';
import { deriveCommand } from './command.js';
import { declareInDotenv, findProjectDir, readDotenv, readSinchJson } from './config.js';
import { bootLine, childEnvironment, keptModeSettings, loadConfiguration, secretsToMask, type ConfigureOptions } from './configure.js';
import { parseEnvironment } from './environment.js';
import { REDACT_OPTIONS } from './options.js';
import { EntrypointError, ExitCode, reportError } from './exit-codes.js';
import { createLogger, type Logger, type LoggerOptions } from './log.js';
import { MASK_CHANNEL_ENV, openMaskChannel, type MaskChannel } from './mask-channel.js';
import { hintText, MaskStats, reportAtExit, writeStats, type StreamName } from './mask-stats.js';
import { redactStdio } from './redact/pump.js';
import { createMatcher, createRedactor, type RedactorStream } from './redact/stream.js';
import { compileSecrets, learnInto, testedRedaction, type Learner } from './redaction.js';
import { planClients } from './sdk-clients.js';
import { openLocalStore, storeChoice } from './secrets/local-store.js';
import { restoreEndingSignals, takeSignals } from './signals.js';
import { quietStdioOnFirstUse, stderrBlocking } from './stdio.js';
import { MASK_CHANNEL_FD } from './spawn.js';
import type { Secret } from './redact/needles.js';
import type { Resolved } from './secrets/resolve.js';
import { supervise, type ChildControl, type Outputs } from './supervise.js';
import { terminalMaker, wantsTerminal } from './terminal.js';
import { watchSecrets, watchedSources } from './watch/secrets.js';

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
    return reportError(error, createLogger(process.stderr, logOptionsIn(argv)));
  }
}

/** How our messages look, from the parsed flags (errors before or from parsing read argv: `logOptionsIn`). */
function logOptions(args: CommonArgs): LoggerOptions {
  return { quiet: args.quiet, format: args['log-format'] };
}

/**
 * The project's folder: --dir, else its nearest parent, that holds a sinch.json, as npm finds package.json. None at
 * all is exit 78: run from elsewhere, we would start the function with no secrets and mask nothing.
 */
function projectDir(dir: string, log: Logger): string {
  const found = findProjectDir(dir);
  // The directory is not named: it may be a --dir typed with a value in the wrong place.
  if (found === undefined) throw new EntrypointError("no sinch.json in --dir (default: the current directory) or any parent directory: run in the function's folder, or name it with --dir", ExitCode.config);
  if (found !== resolve(dir)) log.notice(`using the function in ${found} (the nearest parent with a sinch.json)`);
  return found;
}

/** The configuration options out of the command line. */
function configureOptions(args: ConfigArgs): ConfigureOptions {
  return {
    dir: args.dir,
    environment: args.environment,
    secretsDir: args['secrets-dir'],
    allowMissing: args['allow-missing'],
    storeTimeoutMs: args['secrets-timeout'],
    store: args.store,
  };
}

/** `check`: the resolved plan (sources, SDK clients) without starting anything; exit 78 when a declared key is missing. */
async function checkCommand(args: CheckArgs): Promise<number> {
  const log = createLogger(process.stderr, logOptions(args));
  const resolved = await loadConfiguration({ ...configureOptions(args), dir: projectDir(args.dir, log), enforce: false }, log);
  const { checkReport, printCheck } = await import('./check.js');
  // run's boot self-test, under the default masking flags (check takes none): exit 70 here too when it fails.
  const defaults = { mask: REDACT_OPTIONS.mask.default, 'min-secret-length': REDACT_OPTIONS['min-secret-length'].default, 'raw-limit': REDACT_OPTIONS['raw-limit'].default };
  const { selfTestMs } = testedRedaction(secretsToMask(resolved), defaults, log);
  // The child would inherit our environment too: a client unlocked by `docker run -e` counts.
  const watching = args['watch-secrets'] ?? resolved.environment === 'production';
  const watch = { on: watching, sources: watching ? watchedSources(resolved, args['refresh-interval'] * 1000) : [], onChange: args['on-secret-change'] };
  const plan = checkReport(resolved, planClients(childEnvironment(resolved, process.env)), selfTestMs, watch);
  return printCheck(plan, { json: args.json, allowMissing: args['allow-missing'], out: (text) => process.stdout.write(text), log });
}

/** `secrets add|list|get|delete` on the local store, under the function's namespace from sinch.json. */
async function secretsCommand(action: SecretsAction, args: SecretsArgs): Promise<number> {
  const log = createLogger(process.stderr, logOptions(args));
  const [prompt, command] = await Promise.all([import('./prompt.js'), import('./secrets-command.js')]);
  const tty = process.stdin.isTTY ? (process.stdin as ReadStream) : undefined;
  // The function's namespace and .env, found as for run; without a sinch.json anywhere, the shared namespace here.
  const dir = findProjectDir(args.dir) ?? args.dir;
  return command.secretsCommand(action, args, {
    openStore: () => openLocalStore(readSinchJson(dir).name, args['secrets-timeout'], log, storeChoice(args.store)),
    declare: (key) => (declareInDotenv(dir, key, log) ? readDotenv(dir, log).path : undefined),
    declaredIn: (key) => {
      const dotenv = readDotenv(dir, log);
      return dotenv.keys.includes(key) ? dotenv.path : undefined;
    },
    readValue: (key) => (tty ? prompt.readHidden(`Value for ${key} (hidden; Enter ends it): `, tty, process.stderr) : prompt.readPiped(process.stdin)),
    ...(tty ? { confirm: (question: string) => prompt.confirm(question, tty, process.stderr) } : {}),
    out: (line) => process.stdout.write(`${line}\n`),
    log,
  });
}

/** `redact`: stdin to stdout through one redactor; a closed stdout (EPIPE) ends it quietly. */
async function redactCommand(args: RedactArgs): Promise<number> {
  const log = createLogger(stderrBlocking, logOptions(args));
  const resolved = await loadConfiguration({ ...configureOptions(args), dir: projectDir(args.dir, log), clientsWarning: false }, log);
  const matcher = createMatcher(compileSecrets(secretsToMask(resolved), args, log), args.mask);
  // The pump blocks in read(2), where no signal handler of ours can run: a stop request takes its default action,
  // as for `cat`. Not as PID 1, whom the kernel shields from default actions: there streams keep our handlers.
  const blocking = process.pid !== 1;
  if (blocking) restoreEndingSignals();
  await redactStdio(matcher, { holdMs: args['hold-ms'], rawLimit: args['raw-limit'], blocking });
  return ExitCode.ok;
}

/** `run` (the default command): the function as our child with its configuration, both its outputs masked. */
async function runCommand(args: RunArgs, argv: string[]): Promise<number> {
  const stopTimeout = args['stop-timeout'];
  // Until the redactor exists no secret is known, and our messages never carry a value.
  const bootLog = createLogger(process.stderr, logOptions(args));
  // An escape hatch for debugging a function's own output, never a hole in production.
  if (!args.masking && parseEnvironment(args.environment, process.env.SINCH_ENVIRONMENT) === 'production') {
    throw new EntrypointError('--no-masking: development only; in production every output is masked', ExitCode.usage);
  }
  const dir = projectDir(args.dir, bootLog);
  const resolved = await loadConfiguration({ ...configureOptions(args), dir }, bootLog);
  for (const notice of keptModeSettings(resolved, process.env)) bootLog.notice(notice);
  // The child's command is everything after the first `--`, exactly as given (yargs would turn "010" into 10).
  const given = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : [];
  const { command, args: commandArgs } = given.length > 0
    ? { command: given[0]!, args: given.slice(1) }
    : deriveCommand(dir, resolved.runtime);

  const options = { holdMs: args['hold-ms'], rawLimit: args['raw-limit'] };
  // Compiled (and self-tested) before the child starts: a failing self-test must keep it from starting.
  const redaction = args.masking ? testedRedaction(secretsToMask(resolved), args, bootLog).redaction : undefined;
  if (!redaction) bootLog.warn("--no-masking: the function's output is not masked; every secret it prints reaches this output");
  // At a terminal the child gets one of ours (src/terminal.ts), else pipes; one notice when it cannot.
  const maker = args.tty && wantsTerminal() ? await terminalMaker() : undefined;
  if (typeof maker === 'string') bootLog.notice(`the function gets pipes, not a terminal: ${maker}`);
  const terminal = typeof maker === 'string' ? undefined : maker;
  // Rotation (src/watch/): on by default in production, where a Kubernetes volume or the store rotates secrets.
  const watching = args['watch-secrets'] ?? resolved.environment === 'production';
  let control: ChildControl | undefined;
  let watch: { check(): void; close(): void } | undefined;
  // The mask channel (src/mask-channel.ts): values the function learns at run time, masked from then on.
  const envOf = (r: Resolved): Record<string, string | undefined> =>
    redaction ? { ...childEnvironment(r, process.env), [MASK_CHANNEL_ENV]: String(MASK_CHANNEL_FD) } : childEnvironment(r, process.env);
  const stats = new MaskStats();
  const hints = new Set<string>();
  /** What is said at the end, also when we give up on a reader that never reads. */
  const finish = (): void => {
    watch?.close();
    for (const text of hints) bootLog.notice(text);
    hints.clear();
    if (!redaction) bootLog.warn('--no-masking was on: nothing the function printed was masked');
    reportAtExit(stats, bootLog, args['stats-file']);
  };
  let log: Logger;
  let redactors: RedactorStream[] = [];
  let channel: MaskChannel | undefined;
  // One learner for the run (a matcher learns one set holding every value learned): the channel's and rotation's.
  let learn: Learner = () => [];
  const registered = new Set<string>();
  const register = (secret: Secret, log: Logger): void => {
    for (const { name } of learn([secret], 'mask channel')) {
      if (!registered.has(name)) log.notice(`masking ${name} from now on: the function registered it on the mask channel`);
      registered.add(name);
    }
  };
  const outputs = (): Outputs => {
    // In development, the first mask of each key says where the function printed it, so its log line can be fixed.
    // Said on the next turn: the mask is found inside the stderr redactor's own write, which our line goes through.
    // One found as the output ends (no next write) is said by finish(), directly.
    const hint = resolved.environment === 'development'
      ? (name: string, stream: StreamName, line: number) => {
        const text = hintText(name, stream, line);
        hints.add(text);
        setImmediate(() => {
          // Once the stderr redactor has ended (the child's output ended), finish() says it instead.
          if (stderr.writableEnded || !hints.delete(text)) return;
          log.notice(text);
        });
      }
      : undefined;
    const redactor = (stream: StreamName): RedactorStream => createRedactor(redaction ? createMatcher(redaction, args.mask) : null, { ...options, beforeRead: () => (channel?.drain(), watch?.check()), watch: stats.watch(stream, hint) });
    const [stdout, stderr] = (redactors = [redactor('stdout'), redactor('stderr')]);
    for (const [from, to] of [[stdout, process.stdout], [stderr, process.stderr]] as const) {
      from.pipe(to);
      // A reader that went away (EPIPE: `| head`) is no reason to stop supervising: that output is dropped.
      to.on('error', () => from.unpipe(to).resume());
    }
    // Ours go through the child's stderr redactor, masked too, and never inside a partial secret it holds.
    log = createLogger({ write: (text) => stderr.writeMessage(text) }, logOptions(args));
    if (redaction) learn = learnInto(() => redactors, args, log);
    if (watching) {
      watch = watchSecrets({
        resolved, intervalMs: args['refresh-interval'] * 1000, deadlineMs: args['secrets-timeout'], policy: args['on-secret-change'],
        mask: (secrets, from) => {
          const taken = learn(secrets, from);
          writeStats(stats, log, args['stats-file']);
          return taken;
        },
        env: envOf, control: control!, log,
      });
    }
    // Node does not exit while a write to a reader that never reads is pending: after a stop request we must.
    return { stdout, stderr, log, abandon: (code) => (finish(), process.exit(code)) };
  };
  const code = await supervise({
    command,
    args: commandArgs,
    env: envOf(resolved),
    maskChannel: redaction ? (socket, log) => (channel = openMaskChannel(socket, (secret) => register(secret, log), log)) : undefined,
    outputs,
    stopTimeoutMs: stopTimeout * 1000,
    singleChild: args['single-child'],
    terminal,
    control: (given) => (control = given),
    signals: takeSignals,
    onStart: (pid, log, restarted) => (restarted ? log.notice(`restarted ${[command, ...commandArgs].join(' ')} (pid ${pid})`) : log.notice(...bootLine(resolved, [command, ...commandArgs], pid))),
  });
  finish();
  return code;
}

