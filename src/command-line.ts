// The command line: commands and options as yargs declares them, a quick parser, usage errors that never echo a value.
import type { Options } from 'yargs';
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { LoggerOptions } from './log.js';
import { CHECK_OPTIONS, checkBooleans, REDACT_OPTIONS, RUN_OPTIONS, SECRETS_OPTIONS, type CheckArgs, type RedactArgs, type RunArgs, type SecretsAction, type SecretsArgs } from './options.js';

export type { CheckArgs, CommonArgs, ConfigArgs, RedactArgs, RunArgs, SecretsAction, SecretsArgs } from './options.js';

/** A command line, understood. */
export type Parsed =
  | { command: 'run'; args: RunArgs }
  | { command: 'redact'; args: RedactArgs }
  | { command: 'check'; args: CheckArgs }
  | { command: 'secrets'; action: SecretsAction; args: SecretsArgs };

/** The package version, put in by the build (scripts/build.js). */
declare const SINCH_ENTRYPOINT_VERSION: string;

const COMMANDS = new Set(['run', 'redact', 'check', 'secrets']);

/**
 * yargs' complaint as exit 64, never echoing what was typed, not even an unknown `--word`: it may be a value typed
 * in the wrong place (`secrets add KEY --sk_live_...`). A known option a couple of edits away is suggested instead.
 */
export function usageError(message: string, argv: string[]): EntrypointError {
  const choices = /Argument: ([\w-]+), Given: .*, Choices: (.*)$/s.exec(message);
  if (choices) return new EntrypointError(`--${choices[1]}: expected one of ${choices[2]!.replace(/"/g, '')}`, ExitCode.usage);
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (!unknown) return new EntrypointError(message.replace(/\s*\n\s*/g, ' '), ExitCode.usage);
  const ours = ourArgs(argv);
  const flags = unknown[1]!.split(', ').filter((name) => ours.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)));
  const near = flags.map(nearestOption).find((name) => name !== undefined);
  const what = flags.length > 0 ? `unknown option (not shown${near ? `; did you mean --${near}?` : ''})` : 'unexpected arguments (not shown)';
  // A command given without `--` (Docker's CMD after an ENTRYPOINT that lacks it) lands here too.
  const running = !COMMANDS.has(ours.find((a) => !a.startsWith('-')) ?? 'run') || ours[0] === 'run';
  const hint = running && !argv.includes('--') ? '; put the command to run after --' : '; see --help';
  return new EntrypointError(what + hint, ExitCode.usage);
}

/** Our option nearest to `typed` by edit distance, if within 2 edits: a suggestion that shows only our own name. */
function nearestOption(typed: string): string | undefined {
  let best: [string, number] | undefined;
  for (const name of [...Object.keys(RUN_OPTIONS), 'json', 'show', 'force', 'help', 'version']) {
    // Levenshtein distance, one row at a time.
    let row = Array.from({ length: name.length + 1 }, (_, j) => j);
    for (let i = 1; i <= typed.length; i++) {
      const next = [i];
      for (let j = 1; j <= name.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (typed[i - 1] === name[j - 1] ? 0 : 1));
      row = next;
    }
    const distance = row[name.length]!;
    if (distance <= 2 && (best === undefined || distance < best[1])) best = [name, distance];
  }
  return best?.[0];
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
  const table: Record<string, Options> = command === 'run' ? RUN_OPTIONS : REDACT_OPTIONS;
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
      if (option.choices && value !== undefined && !option.choices.includes(value)) return undefined;
      args[name] = option.coerce && value !== undefined ? option.coerce(value) : value;
    }
  } catch {
    return undefined;
  }
  return command === 'run' ? { command, args: args as unknown as RunArgs } : { command, args: args as unknown as RedactArgs };
}

const EXAMPLES: [string, string][] = [
  ['$0 -- node index.js', 'run a function, its secrets masked in its output'],
  ['$0 --environment production -- node index.js', 'as a container starts it (see In a container, below)'],
  ['node app.js 2>&1 | $0 redact', "mask the project's secrets in any output"],
  ['$0 check', 'which key comes from where (never a secret value)'],
  ['$0 secrets add STRIPE_SECRET_KEY', 'store a secret for development (typed at a hidden prompt)'],
];

const CONTAINER = `In a container (Dockerfile.example), behind tini:
  ENTRYPOINT ["tini", "--", "sinch-entrypoint", "--environment", "production", "--"]
  CMD ["node", "index.js"]`;

const ENVIRONMENT = `Environment:
  SINCH_ENVIRONMENT         development or production (--environment wins)
  SINCH_SECRETS_URL         the platform secret store (production): https://..., http only to loopback
  SINCH_SECRETS_TOKEN_FILE  a file holding its bearer token (better than SINCH_SECRETS_TOKEN)
  SINCH_SECRETS_TOKEN       its bearer token
  SINCH_SECRETS_STORE       auto, keychain or file: the development store (--store wins)
  NO_COLOR                  keep the function's colours off (we set FORCE_COLOR at a terminal otherwise)`;

const EXIT_CODES = `Exit codes:
  0..255   run: the function's own exit code      128+n  run: the function died of signal n
  64       usage error                            69     a secret store is unavailable
  70       internal error (a bug, please report)  78     configuration error (sinch.json, .env, missing secret)
  126      the command cannot be executed         127    the command was not found`;

/** Parses `argv` with yargs, which also prints --help and --version (and exits); rejects with exit 64 for a usage error. */
export async function parseWithYargs(argv: string[]): Promise<Parsed> {
  checkBooleans(argv, { ...RUN_OPTIONS, ...CHECK_OPTIONS, show: { type: 'boolean' }, force: { type: 'boolean' } });
  const { default: yargs } = await import('yargs');
  let parsed: Parsed | undefined;
  // Everything after `--` is a command to run; only `run` takes one.
  const noCommand = (name: string) => (): void => {
    if (argv.includes('--')) throw new EntrypointError(`${name} takes no command: nothing goes after --`, ExitCode.usage);
  };
  const secrets = (action: SecretsAction) => (args: unknown): void => {
    noCommand(`secrets ${action}`)();
    parsed = { command: 'secrets', action, args: args as SecretsArgs };
  };
  const y = yargs(argv)
    .scriptName('sinch-entrypoint')
    .usage('$0 [run] [options] -- <command> [args...]')
    // Values stay as typed, for our checks: yargs would read `0x10` as 16 and `1e3` as 1000. No grouped short flags:
    // a value typed where a flag was expected (`-sk_live_...`) would otherwise hold -v and print the version, exit 0.
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'short-option-groups': false })
    .strict()
    .command(['run', '$0'], 'Run the function (the command after --, else one derived from sinch.json) with its configuration, masking secrets in its output',
      (c) => c.options(RUN_OPTIONS), (args) => void (parsed = { command: 'run', args: args as unknown as RunArgs }))
    .command('redact', "Filter stdin to stdout, masking the project's secrets", (c) => c.options(REDACT_OPTIONS), (args) => {
      noCommand('redact')();
      parsed = { command: 'redact', args: args as unknown as RedactArgs };
    })
    .command('check', 'Show the resolved configuration without starting anything', (c) => c.options(CHECK_OPTIONS), (args) => {
      noCommand('check')();
      parsed = { command: 'check', args: args as unknown as CheckArgs };
    })
    .command('secrets', 'Manage development secrets in the OS keychain (or the file store)', (c) => c
      .command('add <key> [value]', 'Store a secret (VALUE from stdin when omitted or -) and declare KEY= in .env', (s) => s.options(SECRETS_OPTIONS)
        .positional('key', { type: 'string', demandOption: true, describe: 'The key, [A-Z0-9_]+' })
        .positional('value', { type: 'string', describe: 'The value (visible in ps and history: prefer stdin)' }), secrets('add'))
      .command('list', 'The stored keys, shared ones marked', (s) => s.options(SECRETS_OPTIONS), secrets('list'))
      .command('get <key>', 'Where a secret is stored (its value only with --show)', (s) => s.options(SECRETS_OPTIONS)
        .positional('key', { type: 'string', demandOption: true, describe: 'The key' })
        .option('show', { type: 'boolean', default: false, describe: 'Print the value' }), secrets('get'))
      .command('delete <key>', 'Delete a stored secret (the entry get names)', (s) => s.options(SECRETS_OPTIONS)
        .positional('key', { type: 'string', demandOption: true, describe: 'The key' })
        .option('force', { type: 'boolean', default: false, describe: 'No confirmation; an absent key is not an error' }), secrets('delete'))
      .demandCommand(1, 'secrets: choose add, list, get or delete'))
    .help()
    .alias('h', 'help')
    .version(SINCH_ENTRYPOINT_VERSION)
    .alias('version', ['v', 'V'])
    .epilogue(`${CONTAINER}\n\n${ENVIRONMENT}\n\n${EXIT_CODES}\n\nThe guide: https://github.com/sinch/sinch-entrypoint#readme`)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((message, error) => {
      // yargs reports its own usage errors (and our `coerce` checks) as YError; anything else passes through.
      if (error && error.name !== 'YError') throw error;
      throw usageError(message ?? error?.message ?? 'usage error', argv);
    });
  for (const [command, description] of EXAMPLES) y.example(command, description);
  await y.parseAsync();
  if (parsed === undefined) throw usageError('no command', argv);
  return parsed;
}
