// The child on a pseudo-terminal of ours when we run at one: it sees a terminal (isatty, its size, colours, /dev/tty,
// the terminal's Ctrl-C), and everything it writes there still passes through a redactor on its way to ours.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { isatty, ReadStream } from 'node:tty';

/** util-linux's setsid (busybox has it too): `-c` makes its stdin the controlling terminal of the session it starts. */
const SETSID = ['/usr/bin/setsid', '/bin/setsid'];
/** Ctrl-Z, the terminal's suspend character (VSUSP) by default: our terminal is raw, so it reaches us as this byte. */
const SUSPEND = 0x1a;

/** A pseudo-terminal for the child, and our terminal's input passed to it raw. */
export interface Terminal {
  /**
   * The child's stdio: the terminal's slave side as its stdin, stdout and stderr, and /dev/null over the two
   * descriptors the binding opens without O_CLOEXEC, which it would inherit otherwise (the master, by which it
   * could take its own output before us, and a second slave).
   */
  stdio: (number | 'ignore')[];
  /** What the child writes to its terminal (stdout, stderr, /dev/tty, the echo of its input), ending when none holds it. */
  output: Readable;
  /** `file argv` as the command that makes the slave the controlling terminal of a new session, then runs it in place. */
  command(file: string, argv: string[]): [string, string[]];
  /** Once the child has the slave: closes ours and passes our terminal's input on, raw; Ctrl-Z calls `suspend`. */
  start(suspend: () => void): void;
  /** Our terminal back as we found it, before we stop (Ctrl-Z): the shell takes it over. */
  pause(): void;
  /** Raw again, and resized, after SIGCONT (`fg`). */
  resume(): void;
  /** Stops passing input, restores our terminal and closes the master; idempotent. */
  close(): void;
}

/** @lydell/node-pty's native binding: openpty(3) with a size, and TIOCSWINSZ. */
interface PtyBinding {
  open(cols: number, rows: number): { master: number; slave: number };
  resize(fd: number, cols: number, rows: number): void;
}

/**
 * Whether the child should get a terminal: only when all of our stdin, stdout and stderr are one (a redirected
 * stream would otherwise be merged into the terminal's, or a piped input rewritten by its line discipline: ^C, ^D,
 * \r), and we are its foreground job (from the background, taking the terminal would stop us with SIGTTOU).
 */
export function wantsTerminal(): boolean {
  return process.platform === 'linux' && isatty(0) && isatty(1) && isatty(2) && inForeground();
}

/** /proc/self/stat: our process group is the terminal's foreground group (fields 5 and 8, after the command's name). */
function inForeground(): boolean {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
    return fields[2] === fields[5];
  } catch {
    return false;
  }
}

/**
 * Loads what makes pseudo-terminals: a function that opens one the size of ours (once per child: a restarted one gets
 * a new terminal), or why there is none (the binding or setsid is missing), for a notice.
 */
export async function terminalMaker(): Promise<(() => Terminal) | string> {
  const setsid = SETSID.find((path) => existsSync(path));
  if (!setsid) return 'no setsid (util-linux) to give the child a controlling terminal';
  let pty: PtyBinding;
  try {
    // An optional dependency with a native binary per platform, loaded only here: most runs (containers) never need
    // it. Its binding, not its spawn(): that runs the child itself (no mask channel on fd 3, no Node 'exit' with our
    // exit-code rules) and drops what is left to read 200 ms after the child's exit.
    // @ts-expect-error: the package's typings leave out its loader of the binding.
    const { requireBinary } = (await import('@lydell/node-pty/requireBinary.js')) as { requireBinary(file: string): PtyBinding };
    pty = requireBinary('pty.node');
  } catch (error) {
    // Its loader's own error, for a platform package not installed, is MODULE_NOT_FOUND's cause.
    const { code, cause } = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const missing = code === 'MODULE_NOT_FOUND' || cause?.code === 'MODULE_NOT_FOUND';
    return `the pseudo-terminal binding (@lydell/node-pty) ${missing ? 'is not installed for this platform (an install with --omit=optional?)' : `did not load: ${code ?? 'error'}`}`;
  }
  return () => openTerminal(setsid, pty);
}

/** A pseudo-terminal the size of ours, made by `pty`, for a child started through `setsid`. */
function openTerminal(setsid: string, pty: PtyBinding): Terminal {
  const stdout = process.stdout as NodeJS.WriteStream;
  const fds = pty.open(stdout.columns, stdout.rows);
  const devNull = openSync('/dev/null', 'r');
  const stdio: (number | 'ignore')[] = [fds.slave, fds.slave, fds.slave];
  for (const fd of [fds.master, fds.slave]) {
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = devNull;
  }
  const master = new ReadStream(fds.master);
  const output = new PassThrough();
  master.pipe(output);
  // EIO is the end: every process holding the slave closed it. Ended also on any other error, never thrown.
  master.on('error', () => output.end());

  const stdin = process.stdin as ReadStream;
  let raw = false;
  const setRaw = (on: boolean): void => {
    if (raw === on) return;
    raw = on;
    stdin.setRawMode(on);
  };
  const restore = (): void => setRaw(false);
  const resize = (): void => pty.resize(fds.master, stdout.columns, stdout.rows);
  let suspend = (): void => {};
  const pass = (chunk: Buffer): void => {
    const at = chunk.indexOf(SUSPEND);
    if (at < 0) return void master.write(chunk);
    if (at > 0) master.write(chunk.subarray(0, at));
    // Ctrl-Z would reach the child's group as SIGTSTP from its terminal, which the kernel drops (the group is
    // orphaned: its parent, we, is outside its session), so we do what a shell's job control expects instead.
    suspend();
    if (at + 1 < chunk.length) pass(chunk.subarray(at + 1));
  };
  let started = false;
  let closed = false;
  const closeOurSlave = (): void => {
    if (started) return;
    started = true;
    closeSync(fds.slave);
    closeSync(devNull);
  };
  return {
    stdio,
    output,
    command: (file, argv) => [setsid, ['-c', file, ...argv]],
    start(onSuspend) {
      suspend = onSuspend;
      closeOurSlave();
      // Our exit, however it comes (an error of ours, a process.exit), leaves the terminal as we found it.
      process.once('exit', restore);
      setRaw(true);
      stdin.on('data', pass);
      stdin.resume(); // paused by the terminal of a child before this one (a restart)
      // After Node has read the new size at SIGWINCH; the kernel then signals the child's foreground group.
      stdout.on('resize', resize);
    },
    pause: restore,
    resume() {
      if (closed) return;
      setRaw(true);
      resize();
    },
    close() {
      if (closed) return;
      closed = true;
      closeOurSlave();
      stdin.removeListener('data', pass);
      stdin.pause();
      stdout.removeListener('resize', resize);
      restore();
      process.removeListener('exit', restore);
      master.destroy();
    },
  };
}
