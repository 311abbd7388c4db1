// What the command line means: the commands and options as yargs declares them, and a quick parser for the start path.
import type { Options } from 'yargs';
import { directory, usageError, whole, within, MAX_TIMER_MS } from './flags.js';

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
export type RunArgs = GlobalArgs & { 'stop-timeout': number };
export type CheckArgs = GlobalArgs & { json: boolean };
export type SecretsAction = 'add' | 'list' | 'get' | 'delete';
export type SecretsArgs = GlobalArgs & { key?: string; value?: string; show?: boolean; force?: boolean };

/** A command line, understood. */
export type Parsed =
  | { command: 'run'; args: RunArgs }
  | { command: 'redact'; args: GlobalArgs }
  | { command: 'check'; args: CheckArgs }
  | { command: 'secrets'; action: SecretsAction; args: SecretsArgs };

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
} satisfies Record<string, Options>;

/** Parses `argv` (quickly when it is in the plain form of `run` or `redact`); rejects with exit 64 for a usage error. */
export async function parseCommandLine(argv: string[]): Promise<Parsed> {
  return quickParse(argv) ?? parseWithYargs(argv);
}

/**
 * `run` and `redact` in their plain form, parsed without yargs: loading it, declaring the commands and parsing took
 * ~14 ms of a ~40 ms boot, which alone broke the boot bar (README). Plain form: the command word (none means run),
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
    const option = name === undefined || given.has(name) ? undefined : table[name];
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
      (y) => y.options({ 'stop-timeout': RUN_OPTIONS['stop-timeout'] }), (args) => void (parsed = { command: 'run', args: args as unknown as RunArgs }))
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
