// Starts the child as execvp would find it, in its own process group, tied to our life, with colours kept; a failure is told by its errno alone.
import { spawn, type ChildProcessByStdio, type StdioOptions } from 'node:child_process';
import { accessSync, constants as fs, existsSync, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { isatty } from 'node:tty';
import { ExitCode, exitCodeForSpawnError } from './exit-codes.js';
import { signalTree } from './process-group.js';
import type { Terminal } from './terminal.js';

/** Where util-linux's setpriv lives on Debian-based images (util-linux is essential there). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'];

/** The child as started: stdin shared with us, stdout and stderr pipes to us or a terminal of ours (and fd 3, when asked, a socket to us). */
export type Child = ChildProcessByStdio<null, Readable | null, Readable | null>;

/** The child's descriptor of the mask channel (src/mask-channel.ts), when it has one. */
export const MASK_CHANNEL_FD = 3;

/**
 * A running child and what it writes, to be read in this order (its stdout and stderr pipes, or its terminal's one
 * output), or the exit code and message of why it could not start.
 */
export type Started = { child: Child; output: Readable[] } | { code: number; message: string };

/** Children running now, for the one 'exit' hook that SIGTERMs them (their process groups) if we exit first (an uncaught error of ours). */
const running = new Set<Child>();
const stopRunning = (): void => running.forEach((child) => signalTree(child, 'SIGTERM'));

/** How the child is started besides its command and environment. */
export interface StartOptions {
  /** A socket to us as its MASK_CHANNEL_FD (read it from `child.stdio[MASK_CHANNEL_FD]`). */
  channel?: boolean;
  /** Its stdin, stdout and stderr on this terminal (src/terminal.ts), which becomes its controlling terminal. */
  terminal?: Terminal;
}

/** Starts `command` with exactly `env`; never throws, and never puts a value of `env` in its message. */
export function startChild(command: string, args: string[], env: Record<string, string | undefined>, o: StartOptions = {}): Started {
  // The kernel passes each variable as a NUL-terminated string (and Node's refusal would quote the value). One over
  // 128 KiB is left to spawn's E2BIG (exit 126, README).
  const cut = nulProblem(env);
  if (cut) return { code: ExitCode.config, message: cut };
  const unfit = lookUp(command, env.PATH);
  if (unfit !== 0) return { code: unfit, message: `${unfit === ExitCode.notFound ? 'command not found' : 'command not executable'}: ${command}` };
  const [file, argv] = o.terminal ? o.terminal.command(...withDeathSignal(command, args)) : withDeathSignal(command, args);
  const { terminal } = o;
  const stdio: StdioOptions & unknown[] = terminal ? terminal.stdio : ['inherit', 'pipe', 'pipe'];
  let child: Child;
  try {
    // node:child_process, not execa: loading execa took ~11 ms of every start (time to the spawn, medians of 25),
    // more than the boot bar's margin, and we used only its spawn and its exit cleanup (the 'exit' hook above).
    // `detached`: setsid() in the child, which leads a new session and process group (pgid = its pid, kept by
    // setpriv's exec), so that signals reach all it starts (src/process-group.ts). Node offers no setpgid alone.
    // On a terminal, setsid(1) does it instead (Node cannot make the terminal the session's controlling one), and
    // the child needs no colour settings: it sees a terminal.
    child = spawn(file, argv, {
      env: terminal ? env : withColour(env), stdio: o.channel ? withChannel(stdio) : stdio, detached: !terminal,
    }) as Child;
  } catch (error) {
    // E2BIG (a value over 128 KiB), or Node's own refusal, whose message would quote the value at fault.
    const errno = (error as NodeJS.ErrnoException).code;
    return { code: exitCodeForSpawnError(errno), message: `cannot start ${command}: ${errno ?? 'refused'}` };
  }
  const output = terminal ? [terminal.output] : [child.stdout, child.stderr];
  if (!output.every((stream) => stream !== null)) {
    // EMFILE or ENFILE: Node made no pipes, and reports the error on the next tick.
    child.on('error', () => undefined);
    return { code: ExitCode.notExecutable, message: `cannot start ${command}: no file descriptor left for its pipes` };
  }
  if (running.size === 0) process.on('exit', stopRunning);
  running.add(child);
  const gone = (): void => {
    running.delete(child);
    if (running.size === 0) process.removeListener('exit', stopRunning);
  };
  child.once('exit', gone);
  child.on('error', () => child.pid === undefined && gone()); // never started: no 'exit' follows
  return { child, output: output as Readable[] };
}

/**
 * Why the kernel would refuse `env`, naming the keys (never a value), or undefined: a NUL byte, or a variable over
 * 128 KiB (E2BIG). For a restart's new configuration, checked before the running child is stopped.
 */
export function environmentProblem(env: Record<string, string | undefined>): string | undefined {
  const long = Object.keys(env).filter((key) => key.length + 2 + Buffer.byteLength(env[key] ?? '') > MAX_VARIABLE_BYTES);
  return nulProblem(env) ?? (long.length > 0 ? `${long.join(', ')}: over 128 KiB, more than an environment variable can carry` : undefined);
}

/** The keys of `env` whose value holds a NUL byte, in a message, or undefined. */
function nulProblem(env: Record<string, string | undefined>): string | undefined {
  const cut = Object.keys(env).filter((key) => env[key]?.includes('\0'));
  return cut.length > 0 ? `${cut.join(', ')}: a NUL byte in the value, which no environment variable can carry` : undefined;
}

/** Linux's MAX_ARG_STRLEN: the longest `NAME=value` string exec accepts. */
const MAX_VARIABLE_BYTES = 128 * 1024;

/** `stdio` with a pipe (a socket) as MASK_CHANNEL_FD. */
function withChannel(stdio: StdioOptions & unknown[]): StdioOptions {
  const all = [...stdio];
  while (all.length < MASK_CHANNEL_FD) all.push('ignore');
  all[MASK_CHANNEL_FD] = 'pipe';
  return all as StdioOptions;
}

/** 0 when `command` resolves as execvp would to an executable file; else 127 (nowhere) or 126 (found, not executable). */
function lookUp(command: string, path = '/bin:/usr/bin'): number {
  // Relative entries (and a relative command) resolve against our working directory, which the child inherits.
  const candidates = command.includes('/') ? [resolve(command)] : path.split(delimiter).map((dir) => resolve(dir, command));
  let found = false;
  for (const candidate of candidates) {
    try {
      const isFile = statSync(candidate).isFile();
      found = true; // a directory or a file without x permission: 126, unless a later candidate fits
      if (!isFile) continue;
      accessSync(candidate, fs.X_OK);
      return 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') found = true;
    }
  }
  return found ? ExitCode.notExecutable : ExitCode.notFound;
}

/**
 * If we die, the child must not run on unsupervised. On an ordinary exit or an uncaught error, our 'exit' hook
 * SIGTERMs it. A hard death (SIGKILL, the OOM killer) runs no code of ours, and Node cannot set a parent-death
 * signal (prctl PR_SET_PDEATHSIG), but util-linux's setpriv can, then execs the command in place (same pid): the
 * kernel then SIGKILLs the child when we die. Without setpriv (macOS, Alpine without util-linux) the child is
 * orphaned; in a container it still dies with us, as the kernel kills a PID namespace whose PID 1 exits (we, or tini,
 * which exits when we do).
 */
function withDeathSignal(command: string, args: string[]): [string, string[]] {
  const setpriv = process.platform === 'linux' ? SETPRIV.find((p) => existsSync(p)) : undefined;
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}

/** Our output may be a terminal while the child's is a pipe to us: ask Node and .NET to keep colours, unless told not to. */
function withColour(env: Record<string, string | undefined>): Record<string, string | undefined> {
  // Both, or colour codes would land in the file one of them is redirected to.
  if (!(isatty(1) && isatty(2)) || env.NO_COLOR) return env;
  return {
    ...env,
    FORCE_COLOR: env.FORCE_COLOR ?? '1',
    DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION: env.DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION ?? '1',
  };
}
