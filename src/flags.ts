// Flag values and yargs' usage errors as exit 64, in messages that never echo a value.
import { statSync } from 'node:fs';
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { LoggerOptions } from './log.js';

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
