// The command line: commands and options as yargs declares them, a quick parser, usage errors that never echo a value.
import { statSync } from 'node:fs';
import type { Options } from 'yargs';
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { LoggerOptions } from './log.js';

/** The package version, put in by the build (scripts/build.js). */
declare const SINCH_ENTRYPOINT_VERSION: string;

/** Options every command shares. */
export interface GlobalArgs {
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
export type RunArgs = GlobalArgs & { 'stop-timeout': number; 'single-child': boolean };
export type CheckArgs = GlobalArgs & { json: boolean };
export type SecretsAction = 'add' | 'list' | 'get' | 'delete';
export type SecretsArgs = GlobalArgs & { key?: string; value?: string; show?: boolean; force?: boolean };

/** A command line, understood. */
export type Parsed =
  | { command: 'run'; args: RunArgs }
  | { command: 'redact'; args: GlobalArgs }
  | { command: 'check'; args: CheckArgs }
  | { command: 'secrets'; action: SecretsAction; args: SecretsArgs };

/** Node's timers fire at once for more than 2^31 - 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A yargs `coerce` for a number flag (declared as a string, so that yargs' own number parsing, which reads `--x=`
 * as 0 and `0x10` as 16, never sees it) from `min` to `max`: anything else is exit 64, since a bad
 * --min-secret-length read as NaN or 0 would switch masking off.
 */
export function within(flag: string, min: number, max = MAX_TIMER_MS, integer = false): (value: unknown) => number {
  return (value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new EntrypointError(`--${flag}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`, ExitCode.usage);
    }
    return n;
  };
}

/** The same for a count of bytes. */
export function whole(flag: string, min: number): (value: unknown) => number {
  return within(flag, min, 2 ** 20, true);
}

/** --dir must name a directory: a typo would otherwise run with no configuration at all. */
export function directory(dir: string): string {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new EntrypointError(`--dir: not a directory: ${dir}`, ExitCode.usage);
  return dir;
}

const COMMANDS = new Set(['run', 'redact', 'check', 'secrets']);

/** yargs' complaint as exit 64, never echoing a stray argument: it may be a value typed in the wrong place. */
export function usageError(message: string, argv: string[]): EntrypointError {
  const choices = /Argument: ([\w-]+), Given: .*, Choices: (.*)$/s.exec(message);
  if (choices) return new EntrypointError(`--${choices[1]}: expected one of ${choices[2]!.replace(/"/g, '')}`, ExitCode.usage);
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (!unknown) return new EntrypointError(message.replace(/\s*\n\s*/g, ' '), ExitCode.usage);
  const ours = ourArgs(argv);
  const flags = unknown[1]!.split(', ').filter((name) => ours.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)));
  const what = flags.length > 0 ? `unknown option ${flags.map((f) => `--${f}`).join(', ')}` : 'unexpected arguments (not shown)';
  // A command given without `--` (Docker's CMD after an ENTRYPOINT that lacks it) lands here too.
  const running = !COMMANDS.has(ours.find((a) => !a.startsWith('-')) ?? 'run') || ours[0] === 'run';
  const hint = running && !argv.includes('--') ? '; put the command to run after --' : '; see --help';
  return new EntrypointError(what + hint, ExitCode.usage);
}

/** --quiet and --log-format read from argv itself, for the errors that come before or from parsing it. */
export function logOptionsIn(argv: string[]): LoggerOptions {
  const ours = ourArgs(argv);
  const at = ours.findIndex((a) => a === '--log-format' || a.startsWith('--log-format='));
  const format = at < 0 ? undefined : ours[at]!.includes('=') ? ours[at]!.split('=')[1] : ours[at + 1];
  return { quiet: ours.includes('--quiet'), format: format === 'json' ? 'json' : 'text' };
}

/** Our part of the command line: everything before the first `--`. */
function ourArgs(argv: string[]): string[] {
  return argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
}

const GLOBAL_OPTIONS = {
  dir: { type: 'string', requiresArg: true, default: '.', coerce: directory, describe: 'Project directory (sinch.json, .env)' },
  mask: { type: 'string', requiresArg: true, default: '***', describe: 'Mask text; {name} expands to the secret key' },
  'min-secret-length': { type: 'string', requiresArg: true, default: 4, coerce: whole('min-secret-length', 1), describe: 'Shortest secret value (bytes) that is masked' },
  'hold-ms': { type: 'string', requiresArg: true, default: 50, coerce: within('hold-ms', 0), describe: 'Deadline before held bytes that may begin a secret are released (ms)' },
  'raw-limit': { type: 'string', requiresArg: true, default: 3, coerce: whole('raw-limit', 0), describe: 'At that deadline, up to this many held bytes are output raw; more are masked' },
  quiet: { type: 'boolean', default: false, describe: 'Silence our notices' },
  'log-format': { choices: ['text', 'json'], default: 'text', describe: 'Format of our own messages' },
  environment: { type: 'string', requiresArg: true, describe: 'development or production (default: $SINCH_ENVIRONMENT, else development)' },
  'secrets-dir': { type: 'string', requiresArg: true, describe: 'Directory of mounted secret files, one per key (default: /run/secrets when it exists)' },
  'allow-missing': { type: 'boolean', default: false, describe: 'Start even when a declared secret has no value (a warning, not exit 78)' },
  'secrets-timeout': { type: 'string', requiresArg: true, default: 30_000, coerce: within('secrets-timeout', 1), describe: 'Deadline for reading a secret store: all platform retries, each keychain call (ms)' },
} satisfies Record<string, Options>;

const RUN_OPTIONS = {
  ...GLOBAL_OPTIONS,
  'stop-timeout': { type: 'string', requiresArg: true, default: 10, coerce: within('stop-timeout', 0, MAX_TIMER_MS / 1000), describe: 'Seconds the function has to stop after SIGTERM/SIGINT before SIGKILL' },
  'single-child': { type: 'boolean', default: false, describe: 'Forward signals to the command alone, not to its whole process group' },
} satisfies Record<string, Options>;

/** Parses `argv` (quickly when it is in the plain form of `run` or `redact`); rejects with exit 64 for a usage error. */
export async function parseCommandLine(argv: string[]): Promise<Parsed> {
  return quickParse(argv) ?? parseWithYargs(argv);
}

/**
 * `run` and `redact` in their plain form, parsed without yargs: loading it, declaring the commands and parsing took
 * ~14 ms of every start, which alone broke the boot bar (README). Plain form: the command word (none means run),
 * each option at most once as `--name value` or `--name=value` (a boolean bare), then, for run, `--` and the child's
 * command. Anything else (help, other commands, negations, aliases, a value yargs might read another way, a value a
 * check rejects) gives undefined and goes to yargs, which owns every message. A test checks that both agree.
 */
export function quickParse(argv: string[]): Parsed | undefined {
  const end = argv.indexOf('--');
  const ours = end < 0 ? argv : argv.slice(0, end);
  const command = ours[0] === 'redact' ? 'redact' : 'run';
  if (command === 'redact' && end >= 0) return undefined;
  const table: Record<string, Options> = command === 'run' ? RUN_OPTIONS : GLOBAL_OPTIONS;
  const given = new Map<string, string | boolean>();
  for (let i = ours[0] === command ? 1 : 0; i < ours.length; i++) {
    const [, name, inline] = /^--([a-z][a-z-]*[a-z])(?:=(.*))?$/s.exec(ours[i]!) ?? [];
    const option = name === undefined || given.has(name) || !Object.hasOwn(table, name) ? undefined : table[name];
    if (option === undefined) return undefined;
    if (option.type === 'boolean') {
      if (inline !== undefined) return undefined;
      given.set(name!, true);
      continue;
    }
    const value = inline ?? ours[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    given.set(name!, value);
  }
  const args: Record<string, unknown> = {};
  try {
    for (const [name, option] of Object.entries(table)) {
      const value = given.get(name) ?? option.default;
      if (option.choices && !option.choices.includes(value)) return undefined;
      args[name] = option.coerce && value !== undefined ? option.coerce(value) : value;
    }
  } catch {
    return undefined;
  }
  return command === 'run' ? { command, args: args as unknown as RunArgs } : { command, args: args as unknown as GlobalArgs };
}

/** Parses `argv` with yargs, which also prints --help and --version (and exits); rejects with exit 64 for a usage error. */
export async function parseWithYargs(argv: string[]): Promise<Parsed> {
  const { default: yargs } = await import('yargs');
  let parsed: Parsed | undefined;
  const secrets = (action: SecretsAction) => (args: unknown): void => void (parsed = { command: 'secrets', action, args: args as SecretsArgs });
  await yargs(argv)
    .scriptName('sinch-entrypoint')
    .usage('$0 [run] [options] -- <command> [args...]')
    .strict()
    .options(GLOBAL_OPTIONS)
    .command(['run', '$0'], 'Run the function (the command after --, else one derived from sinch.json) with its configuration, masking secrets in its output',
      (y) => y.options({ 'stop-timeout': RUN_OPTIONS['stop-timeout'], 'single-child': RUN_OPTIONS['single-child'] }), (args) => void (parsed = { command: 'run', args: args as unknown as RunArgs }))
    .command('redact', "Filter stdin to stdout, masking the project's secrets", (y) => y, (args) => void (parsed = { command: 'redact', args: args as unknown as GlobalArgs }))
    .command('check', 'Show the resolved configuration without starting anything', (y) =>
      y.option('json', { type: 'boolean', default: false, describe: 'Print the plan as JSON' }), (args) => void (parsed = { command: 'check', args: args as unknown as CheckArgs }))
    .command('secrets', 'Manage secrets in the OS keychain (or the file store)', (y) => y
      .command('add <key> [value]', 'Store a secret (VALUE from stdin when omitted or -) and declare KEY= in .env', (s) => s
        .positional('key', { type: 'string', demandOption: true }).positional('value', { type: 'string' }), secrets('add'))
      .command('list', 'Names of stored secrets', (s) => s, secrets('list'))
      .command('get <key>', 'Whether a secret is stored (its value only with --show)', (s) => s
        .positional('key', { type: 'string', demandOption: true }).option('show', { type: 'boolean', default: false }), secrets('get'))
      .command('delete <key>', 'Delete a stored secret', (s) => s
        .positional('key', { type: 'string', demandOption: true }).option('force', { type: 'boolean', default: false, describe: 'No confirmation; absent is not an error' }), secrets('delete'))
      .demandCommand(1, 'secrets: choose add, list, get or delete'))
    .help()
    .version(SINCH_ENTRYPOINT_VERSION)
    .fail((message, error) => {
      // yargs reports its own usage errors (and our `coerce` checks) as YError; anything else passes through.
      if (error && error.name !== 'YError') throw error;
      throw usageError(message ?? error?.message ?? 'usage error', argv);
    })
    .parseAsync();
  if (parsed === undefined) throw usageError('no command', argv);
  return parsed;
}
