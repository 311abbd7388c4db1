// Runs the user's function as our child and stays in front of it as an init would: pipes, signals, grace, exit code.
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { exitCodeForChild, exitCodeForSpawnError } from './exit-codes.js';
import type { Logger } from './log.js';
import { endLeftovers, jobControl, LEFTOVER_GRACE_MS, signalTree } from './process-group.js';
import { MASK_CHANNEL_FD, startChild, type Child } from './spawn.js';
import type { Terminal } from './terminal.js';

export interface SuperviseOptions {
  command: string;
  args: string[];
  /** The child's whole environment (not merged with ours again). */
  env: Record<string, string | undefined>;
  /**
   * Makes our outputs; called once, as soon as the child is spawned (or for the error that stops its spawn), so that
   * building them (in `run`, compiling the secrets into two redactors) overlaps the child's start-up.
   */
  outputs: () => Outputs;
  /** After a SIGTERM/SIGINT, how long the child's process group may take to stop before SIGKILL. */
  stopTimeoutMs: number;
  /** Forward signals to the child alone, not to its process group (SIGKILL and the end of leftovers still go to the group). */
  singleChild?: boolean;
  /** Subscribes to the signals to forward and returns the release function: `takeSignals` from src/signals.ts. */
  signals: (handler: (signal: NodeJS.Signals) => void) => () => void;
  /** Called as soon as the child runs, with our outputs' logger (cli writes the boot line). */
  onStart?: (pid: number, log: Logger) => void;
  /** Gives the child a socket as its fd 3 and hands our end to this reader, with our outputs' logger (src/mask-channel.ts). */
  maskChannel?: (socket: Socket, log: Logger) => void;
  /** Runs the child on this pseudo-terminal (src/terminal.ts): its one output goes to `stdout`; closed at the end. */
  terminal?: Terminal;
}

/** Where the child's output and our messages go; supervise ends both destinations and waits until they finish. */
export interface Outputs {
  stdout: Writable;
  stderr: Writable;
  /** Our messages: after what the child wrote to stderr before them, never inside a partial secret held there. */
  log: Logger;
  /** Ends us with `code` now, dropping what our own readers have not taken: called once a stop request's patience ran out. */
  abandon?: (code: number) => void;
}

/** After the child exits, how long its pipes may stay silent (held open by a descendant) before we stop reading. */
const DRAIN_IDLE_MS = 1000;
/** ...and how long a descendant that keeps writing may keep us from exiting (waiting on a slow reader does not count). */
const DRAIN_MAX_MS = 5000;
/**
 * What the child can have left in its pipes when it exits (64 KiB each by default, 1 MiB at most on Linux): a slow
 * reader may take that long; bytes past it were written by a descendant and do not extend the wait.
 */
const IN_FLIGHT_BYTES = 1 << 20;

/** Runs the child to its end and resolves to our exit code (rules in src/exit-codes.ts); never rejects for the child. */
export async function supervise(o: SuperviseOptions): Promise<number> {
  const { terminal } = o;
  const started = startChild(o.command, o.args, o.env, { channel: o.maskChannel !== undefined, terminal });
  const out = openOutputs(o, 'child' in started ? started.child : undefined);
  if (!('child' in started)) {
    terminal?.close();
    out.log.error(started.message);
    await endAll(out);
    return started.code;
  }
  const { child, output: pipes } = started;
  const { log } = out;
  // Same tick as the spawn, so no chunk is read before our destinations are attached; `end: false` because the
  // stderr destination also carries our own last message. A terminal's one output (both streams, in order) is stdout.
  pipes.forEach((pipe, index) => pipe.pipe(index === 0 ? out.stdout : out.stderr, { end: false }));
  const ended = Promise.all(pipes.map((pipe) => finished(pipe).catch(() => undefined)));
  // Our end of the mask channel, read when its reader asks; it never keeps us running (a process the child left
  // behind may hold the other end), and closes with us.
  const channel = o.maskChannel && (child.stdio[MASK_CHANNEL_FD] as Socket | null);
  if (channel) {
    channel.unref();
    o.maskChannel!(channel, log);
  }

  const exited = new Promise<{ code: number; signal?: NodeJS.Signals | null; spawnError?: string }>((done) => {
    child.once('exit', (code, signal) => done({ code: exitCodeForChild(code, signal), signal }));
    // `on`, not `once`: kill() reports a failure (EPERM) as an 'error' event too, and an unheard one would throw.
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) done({ code: exitCodeForSpawnError(error.code), spawnError: error.code ?? 'unknown error' });
    });
  });

  let stopping = false;
  let stopDeadline = 0;
  let killTimer: NodeJS.Timeout | undefined;
  // Once the child is gone we only wait for its pipes and our outputs: a stop request ends that wait.
  let requestStop = (): void => {};
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGTSTP' || signal === 'SIGCONT') {
      // The shell takes our terminal back while we are stopped, and gives it back raw to us after.
      if (signal === 'SIGTSTP') terminal?.pause();
      jobControl(child, signal);
      if (signal === 'SIGCONT') terminal?.resume();
      return;
    }
    // The child's terminal takes our new size (src/terminal.ts), and the kernel signals its foreground group.
    if (signal === 'SIGWINCH' && terminal) return;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      if (signal === 'SIGTERM' || signal === 'SIGINT') requestStop();
      return;
    }
    if (signal === 'SIGTERM' || signal === 'SIGINT') {
      if (stopping) {
        log.warn(`second ${signal}: sending SIGKILL to the child now`);
        signalTree(child, 'SIGKILL');
        return;
      }
      stopping = true;
      stopDeadline = Date.now() + o.stopTimeoutMs;
      log.notice(`${signal}: stopping the child; SIGKILL in ${o.stopTimeoutMs / 1000} s`);
      killTimer = setTimeout(() => {
        log.warn(`child still running ${o.stopTimeoutMs / 1000} s after ${signal}: sending SIGKILL`);
        signalTree(child, 'SIGKILL');
      }, o.stopTimeoutMs);
    }
    // From a terminal too: the child's group is not the terminal's foreground one, so Ctrl-C reached only us (on a
    // terminal of ours, Ctrl-C is a byte passed to the child's terminal, which signals its foreground group).
    signalTree(child, signal, o.singleChild);
  };
  const release = o.signals(onSignal);
  terminal?.start(() => onSignal('SIGTSTP'));
  if (child.pid !== undefined) o.onStart?.(child.pid, log);

  const { code, signal, spawnError } = await exited;
  clearTimeout(killTimer);
  // What the child started may outlive it: the stop's grace (what is left of it) or LEFTOVER_GRACE_MS, then SIGKILL.
  const leftovers = spawnError ? undefined : endLeftovers(child.pid!, {
    graceMs: stopping ? Math.max(0, stopDeadline - Date.now()) : LEFTOVER_GRACE_MS, terminated: stopping && !o.singleChild, now: stopRequested, log,
  });
  // After a stop request (before or after the exit) a reader that does not take our output gets DRAIN_MAX_MS more.
  const patience = stopping ? Promise.race([stopRequested, unrefDelay(DRAIN_MAX_MS)]) : stopRequested;
  await drain(pipes, ended, [out.stdout, out.stderr], log, patience);
  await leftovers;
  if (spawnError) log.error(`cannot start ${o.command}: ${spawnError}`);
  else log.notice(signal ? `child killed by ${signal} (exit ${code})` : `child exited with code ${code}`);
  // Our own readers may be slow or stuck: a stop request then gives up on what they have not taken.
  const gaveUp = await Promise.race([endAll(out).then(() => false), patience.then(() => true)]);
  if (gaveUp) [out.stdout, out.stderr].forEach((w) => w.destroy());
  channel?.destroy();
  terminal?.close();
  release();
  if (gaveUp) out.abandon?.(code);
  return code;
}

/**
 * Waits for the child's pipes to reach end of file. A descendant may hold them open: we give up once they stay
 * silent for DRAIN_IDLE_MS, after DRAIN_MAX_MS in all, or at a stop request. A destination applying backpressure
 * holds both clocks back (the bytes are on their way, only slowly), the cap only while what we read since the exit
 * could still be the child's own.
 */
async function drain(pipes: Readable[], ended: Promise<unknown>, to: Writable[], log: Logger, stop: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let cap: NodeJS.Timeout | undefined;
  let read = 0;
  let stopped = false;
  const stalled = new Promise<boolean>((done) => {
    const slowReader = (): boolean => to.some((w) => w.writableNeedDrain);
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => (slowReader() ? arm() : done(true)), DRAIN_IDLE_MS);
    };
    const armCap = (): void => {
      cap = setTimeout(() => (slowReader() && read <= IN_FLIGHT_BYTES ? armCap() : done(true)), DRAIN_MAX_MS);
    };
    arm();
    armCap();
    void stop.then(() => ((stopped = true), done(true)));
    for (const pipe of pipes) {
      pipe.on('data', (chunk: Buffer) => {
        read += chunk.length;
        arm();
      });
    }
  });
  const stuck = await Promise.race([ended.then(() => false), stalled]);
  clearTimeout(timer);
  clearTimeout(cap);
  if (stuck) {
    const slow = to.some((w) => w.writableNeedDrain);
    log.warn(slow && stopped ? 'the child exited and a stop was requested, but our reader is not taking its output; dropping the rest'
      : slow ? 'the child exited and a process it left behind keeps writing faster than our reader takes it; no longer reading it'
        : 'the child exited but a process it left behind holds its output open; no longer reading it');
    for (const pipe of pipes) pipe.destroy();
  }
}

/** Our outputs, made once the child is spawned (or could not be); if making them fails, the child does not outlive it. */
function openOutputs(o: SuperviseOptions, child: Child | undefined): Outputs {
  let out: Outputs;
  try {
    out = o.outputs();
  } catch (error) {
    child?.on('error', () => undefined); // a spawn error still queued would otherwise throw, unheard
    if (child) signalTree(child, 'SIGKILL');
    throw error;
  }
  if (process.pid === 1) {
    out.log.notice('running as PID 1 without an init: orphaned grandchildren will not be reaped; put tini in front (see Dockerfile.example)');
  }
  return out;
}

/** Resolves after `ms` without keeping the process alive for it. */
function unrefDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Ends both destinations and waits until they have flushed everything (a redactor releases held bytes on end). */
async function endAll(out: Outputs): Promise<void> {
  await Promise.all([out.stdout, out.stderr].map((w) => finished(w.end()).catch(() => undefined)));
}
