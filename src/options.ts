// Our options: what each command takes, as yargs declares them and the quick parser reads them, and their checks.
import { constants } from 'node:os';
import type { Options } from 'yargs';
import { EntrypointError, ExitCode } from './exit-codes.js';
import { isDirectory } from './text.js';

/** Options every command takes. */
export interface CommonArgs {
  dir: string;
  quiet: boolean;
  'log-format': 'text' | 'json';
  'secrets-timeout': number;
  store?: 'auto' | 'keychain' | 'file';
}
/** ...and those of the commands that resolve the whole configuration (run, redact, check). */
export type ConfigArgs = CommonArgs & { environment?: string; 'secrets-dir'?: string; 'allow-missing': boolean };
/** ...and those of the commands that mask (run, redact). */
export type RedactArgs = ConfigArgs & { mask: string; 'min-secret-length': number; 'hold-ms': number; 'raw-limit': number };
/** ...and those of the commands that follow the secrets while the function runs (run; check reports them). */
export type WatchArgs = { 'watch-secrets'?: boolean; 'refresh-interval': number; 'on-secret-change': 'none' | 'restart' | NodeJS.Signals };
export type RunArgs = RedactArgs & WatchArgs & { 'stop-timeout': number; 'single-child': boolean; masking: boolean; tty: boolean; 'stats-file'?: string };
export type CheckArgs = ConfigArgs & WatchArgs & { json: boolean };
export type SecretsAction = 'add' | 'list' | 'get' | 'delete';
export type SecretsArgs = CommonArgs & { key?: string; value?: string; show?: boolean; force?: boolean };

/** Node's timers fire at once for more than 2^31 - 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A yargs `coerce` for a number flag (given as typed: parse-numbers is off, since yargs' own number parsing reads
 * `--x=` as 0 and `0x10` as 16) from `min` to `max`: anything else is exit 64, since a bad
 * --min-secret-length read as NaN or 0 would switch masking off.
 */
export function within(flag: string, min: number, max = MAX_TIMER_MS, integer = false): (value: unknown) => number {
  return last((value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new EntrypointError(`--${flag}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`, ExitCode.usage);
    }
    return n;
  });
}

/**
 * A yargs `coerce` for a flag given twice, which yargs makes an array: the last one wins, as in most CLIs, so that
 * `npm run dev -- --dir other` overrides the script's own --dir. (yargs' `duplicate-arguments-array: false` does
 * the same but lets `-_` replace the positional list, an internal error.)
 */
function last<T>(coerce: (value: unknown) => T = (value) => value as T): (value: unknown) => T {
  return (value) => coerce(Array.isArray(value) ? value.at(-1) : value);
}

/** The same for a count of bytes. */
export function whole(flag: string, min: number): (value: unknown) => number {
  return within(flag, min, 2 ** 20, true);
}

/** --dir must name a directory: a typo would otherwise run with no configuration at all. Never echoed: see usageError. */
export function directory(dir: unknown): string {
  if (typeof dir !== 'string' || !isDirectory(dir)) throw new EntrypointError('--dir: not a directory', ExitCode.usage);
  return dir;
}


/**
 * Not a --on-secret-change signal: a stop (restart does it with the grace and SIGKILL), job control (the kernel drops
 * SIGTSTP, SIGTTIN and SIGTTOU for the child's orphaned group), and SIGCHLD.
 */
const NOT_A_CHANGE_SIGNAL = new Set(['SIGKILL', 'SIGSTOP', 'SIGTERM', 'SIGINT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGCONT', 'SIGCHLD']);

/** --on-secret-change: none, restart, or a signal the function handles. */
function changePolicy(value: unknown): WatchArgs['on-secret-change'] {
  if (value === 'none' || value === 'restart') return value;
  if (typeof value === 'string' && /^SIG[A-Z0-9]+$/.test(value) && value in constants.signals && !NOT_A_CHANGE_SIGNAL.has(value)) return value as NodeJS.Signals;
  throw new EntrypointError('--on-secret-change: expected none, restart or a signal the function handles (SIGHUP, SIGUSR1, SIGUSR2, ...)', ExitCode.usage);
}

/** A boolean flag given a value (`--quiet=yes`): yargs reads anything but `true` as false, so it is exit 64. */
export function checkBooleans(argv: string[], table: Record<string, Options>): void {
  for (const arg of argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv) {
    const [, name, value] = /^--(?:no-)?([a-z][a-z-]*)=(.*)$/s.exec(arg) ?? [];
    if (name !== undefined && table[name]?.type === 'boolean' && value !== 'true' && value !== 'false') {
      throw new EntrypointError(`--${name}: takes no value (or =true, =false)`, ExitCode.usage);
    }
  }
}

const COMMON_OPTIONS = {
  dir: { type: 'string', requiresArg: true, default: '.', coerce: last(directory), describe: 'Project directory (sinch.json, .env)' },
  quiet: { type: 'boolean', default: false, describe: 'Silence our notices (warnings and errors still print)' },
  'log-format': { choices: ['text', 'json'], default: 'text', coerce: last(), describe: 'Format of our own messages: text lines or JSON lines' },
  'secrets-timeout': { requiresArg: true, default: 30_000, coerce: within('secrets-timeout', 1), describe: 'Deadline in ms for reading a secret store: all platform retries together, each keychain call' },
  store: { choices: ['auto', 'keychain', 'file'], coerce: last(), describe: 'Development secret store: the keychain, else the file store (auto), or only one (default: $SINCH_SECRETS_STORE, else auto)' },
} satisfies Record<string, Options>;

const CONFIG_OPTIONS = {
  ...COMMON_OPTIONS,
  environment: { type: 'string', requiresArg: true, coerce: last(), describe: 'development or production: the secret stores and NODE_ENV (default: $SINCH_ENVIRONMENT, else development)' },
  'secrets-dir': { type: 'string', requiresArg: true, coerce: last(), describe: 'Directory of mounted secret files, one per key (default: /run/secrets when it exists)' },
  'allow-missing': { type: 'boolean', default: false, describe: 'Start even when a declared secret has no value (a warning, not exit 78)' },
} satisfies Record<string, Options>;

/** The options of `run` and `check` about following the secrets while the function runs (src/watch/). */
const WATCH_OPTIONS = {
  'watch-secrets': { type: 'boolean', describe: 'Follow the secrets while the function runs: mounted files as they change, the platform store every --refresh-interval; new values masked at once (default: on in production, off in development)' },
  'refresh-interval': { requiresArg: true, default: 60, coerce: within('refresh-interval', 1, MAX_TIMER_MS / 1000), describe: 'Seconds between reads of the platform store (and of the mounted files, besides their change events) while watching' },
  'on-secret-change': { type: 'string', requiresArg: true, default: 'none', coerce: last(changePolicy), describe: 'What a changed secret does to the function: none, restart, or a signal to send it (e.g. SIGHUP)' },
} satisfies Record<string, Options>;

/** The options of `redact`; `run` takes these and its own. */
export const REDACT_OPTIONS = {
  ...CONFIG_OPTIONS,
  mask: { type: 'string', requiresArg: true, default: '***', coerce: last(), describe: 'Mask text; {name} expands to the key, e.g. [REDACTED:{name}]' },
  'min-secret-length': { requiresArg: true, default: 4, coerce: whole('min-secret-length', 1), describe: 'Shortest secret value, in bytes, that is masked' },
  'hold-ms': { requiresArg: true, default: 50, coerce: within('hold-ms', 0), describe: 'How long, in ms, bytes that may begin a secret wait for more input' },
  'raw-limit': { requiresArg: true, default: 3, coerce: whole('raw-limit', 0), describe: 'At that deadline, how many bytes of a partial secret may show raw, in all; past that, the mask' },
} satisfies Record<string, Options>;

/** The options of `run`: redact's, and the child's stop, its signals, its terminal, the counts file and the escape hatch. */
export const RUN_OPTIONS = {
  ...REDACT_OPTIONS,
  ...WATCH_OPTIONS,
  'stop-timeout': { requiresArg: true, default: 10, coerce: within('stop-timeout', 0, MAX_TIMER_MS / 1000), describe: 'Seconds the function has to stop after SIGTERM/SIGINT before SIGKILL' },
  'single-child': { type: 'boolean', default: false, describe: 'Forward signals to the command alone, not to its whole process group' },
  'stats-file': { type: 'string', requiresArg: true, coerce: last(), describe: 'Write what was masked (counts per key and stream, never a value) to this JSON file at exit' },
  tty: { type: 'boolean', default: true, describe: '--no-tty: pipes for the function even when we run at a terminal (by default it gets a pseudo-terminal of ours there)' },
  masking: { type: 'boolean', default: true, describe: "--no-masking: the function's output untouched, with a warning at start and exit (development only; exit 64 in production)" },
} satisfies Record<string, Options>;

/** The options of `check`: the configuration's, and --json. */
export const CHECK_OPTIONS = {
  ...CONFIG_OPTIONS,
  ...WATCH_OPTIONS,
  json: { type: 'boolean', default: false, describe: 'Print the plan as JSON' },
} satisfies Record<string, Options>;

/** The options of every `secrets` subcommand (the development store only: no masking, no mode). */
export const SECRETS_OPTIONS = COMMON_OPTIONS;
