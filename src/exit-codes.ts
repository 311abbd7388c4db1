// The one table of exit codes, and the error type that carries one (tini keeps its rules in one place).
import { constants } from 'node:os';
import type { Logger } from './log.js';

/** Exit codes of the entrypoint itself; a child's own code passes through unchanged (0..255). */
export const ExitCode = {
  ok: 0,
  /** Internal failure of the entrypoint (a bug): sysexits EX_SOFTWARE. */
  software: 70,
  /** Bad flag, argument or command line: sysexits EX_USAGE. */
  usage: 64,
  /** The secret store (platform HTTPS store, keychain) could not be read: sysexits EX_UNAVAILABLE. */
  unavailable: 69,
  /** Bad or incomplete configuration (sinch.json, .env, a missing secret): sysexits EX_CONFIG. */
  config: 78,
  /** The command exists but cannot be executed (POSIX shells use 126). */
  notExecutable: 126,
  /** The command was not found (POSIX shells use 127). */
  notFound: 127,
  /** A child killed by signal n exits as 128 + n, as shells and Docker report it. */
  signalBase: 128,
} as const;

/** An error meant for the user: a one-line message (never a secret value) and the exit code to leave with. */
export class EntrypointError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'EntrypointError';
  }
}

/** 128 + the signal's number, for a child that died by that signal. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return ExitCode.signalBase + (constants.signals[signal] ?? 0);
}

/** The code a finished child leaves us with: its own 0..255 passes through, death by signal n is 128 + n. */
export function exitCodeForChild(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return exitCodeForSignal(signal);
  return code ?? ExitCode.software;
}

/** The code for a command that never started, as POSIX shells report it: not found 127, any other exec failure 126. */
export function exitCodeForSpawnError(errno: string | undefined): number {
  return errno === 'ENOENT' ? ExitCode.notFound : ExitCode.notExecutable;
}

/** Maps a failure to one line on stderr and its exit code; never prints a stack for a user error. */
export function reportError(error: unknown, log: Logger): number {
  if (error instanceof EntrypointError) {
    log.error(error.message);
    return error.exitCode;
  }
  // A system error's message quotes its path (stat's ENAMETOOLONG quotes a --dir typed in the wrong place): its errno only.
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  const what = syscall !== undefined || path !== undefined ? `${code ?? 'error'} (${syscall ?? 'a system call'})` : error instanceof Error ? error.message : String(error);
  log.error(`internal error: ${what}`);
  return ExitCode.software;
}
