// Runs the user's function as our child and stays in front of it as an init would: pipes, signals, grace, exit code.
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { drain, DRAIN_MAX_MS, endAll, unrefDelay } from './drain.js';
import { exitCodeForChild, exitCodeForSpawnError } from './exit-codes.js';
import type { Logger } from './log.js';
import { endLeftovers, groupGone, jobControl, LEFTOVER_GRACE_MS, signalTree } from './process-group.js';
import { MASK_CHANNEL_FD, startChild, type Child } from './spawn.js';
import type { Terminal } from './terminal.js';

export interface SuperviseOptions {
  command: string;
  args: string[];
  /** The child's whole environment (not merged with ours again). */
  env: Record<string, string | undefined>;
  /**
   * Makes our outputs; called once, as soon as the first child is spawned (or for the error that stops its spawn),
   * so that building them (in `run`, compiling the secrets into two redactors) overlaps the child's start-up.
   */
  outputs: () => Outputs;
  /** After a SIGTERM/SIGINT (or a restart), how long the child's process group may take to stop before SIGKILL. */
  stopTimeoutMs: number;
  /** Forward signals to the child alone, not to its process group (SIGKILL and the end of leftovers still go to the group). */
  singleChild?: boolean;
  /** Subscribes to the signals to forward and returns the release function: `takeSignals` from src/signals.ts. */
  signals: (handler: (signal: NodeJS.Signals) => void) => () => void;
  /** Called as soon as each child runs, with our outputs' logger (cli writes the boot line; `restarted` after a restart). */
  onStart?: (pid: number, log: Logger, restarted: boolean) => void;
  /** Gives each child a socket as its fd 3 and hands our end to this reader, with our outputs' logger (src/mask-channel.ts). */
  maskChannel?: (socket: Socket, log: Logger) => void;
  /** Makes a pseudo-terminal for each child (src/terminal.ts): its one output goes to `stdout`; closed after it. */
  terminal?: () => Terminal;
  /** Hands over the means to signal or restart the running child (the rotation of secrets, src/watch/). */
  control?: (control: ChildControl) => void;
}

/** What the rotation of secrets may do to the child (--on-secret-change). */
export interface ChildControl {
  /** Sends `signal` as a forwarded one goes (to the group, or the child alone with singleChild); no child, nothing. */
  signal(signal: NodeJS.Signals): void;
  /** Stops the child as a stop request does (SIGTERM, grace, SIGKILL), waits for its group, then starts it with `env`. */
  restart(env: Record<string, string | undefined>, why: string): void;
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

/** How long a restart waits for a SIGKILLed group to be gone before it starts the next child anyway. */
const RESTART_GROUP_MS = 1000;

type Exit = { code: number; signal?: NodeJS.Signals | null; spawnError?: string };
/** A stop under way: its SIGKILL deadline and timer; `byUs` for a restart's, which a stop request takes over. */
type Stopping = { deadline: number; timer: NodeJS.Timeout; byUs: boolean };

/**
 * Runs the child to its end and resolves to our exit code (rules in src/exit-codes.ts); never rejects for the child.
 * A restart (ChildControl) ends one child as a stop request would and starts the next with the same outputs; only
 * the last child's exit counts, and a stop request meanwhile ends it all.
 */
export async function supervise(o: SuperviseOptions): Promise<number> {
  let env = o.env;
  let out: Outputs | undefined;
  let child: Child | undefined;
  let running = false;
  // A stop request (SIGTERM/SIGINT) is for the whole run: no restart follows it. One once the child is gone ends our
  // wait for its pipes and its leftovers (`hurried`).
  let stopRequested = false;
  let hurry = (): void => {};
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  let stopping: Stopping | undefined;
  let next: { env: Record<string, string | undefined>; why: string } | undefined;
  let terminal: Terminal | undefined;

  /** SIGTERM to the running child, then SIGKILL after the grace; `byUs` for a restart (a stop request takes it over). */
  const stop = (signal: NodeJS.Signals, byUs: boolean, log: Logger, why = `${signal}: stopping the child`): void => {
    const timer = setTimeout(() => {
      log.warn(`child still running ${o.stopTimeoutMs / 1000} s after ${signal}: sending SIGKILL`);
      signalTree(child!, 'SIGKILL');
    }, o.stopTimeoutMs);
    stopping = { deadline: Date.now() + o.stopTimeoutMs, timer, byUs };
    log.notice(`${why}; SIGKILL in ${o.stopTimeoutMs / 1000} s`);
    signalTree(child!, signal, o.singleChild);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const log = out!.log;
    if (!running) {
      // Between children (or draining the last one's output): a stop request ends the wait.
      if (signal === 'SIGTERM' || signal === 'SIGINT') {
        stopRequested = true;
        next = undefined;
        hurry();
      }
      return;
    }
    if (signal === 'SIGTSTP' || signal === 'SIGCONT') {
      // The shell takes our terminal back while we are stopped, and gives it back raw to us after.
      if (signal === 'SIGTSTP') terminal?.pause();
      jobControl(child!, signal);
      if (signal === 'SIGCONT') terminal?.resume();
      return;
    }
    // The child's terminal takes our new size (src/terminal.ts), and the kernel signals its foreground group.
    if (signal === 'SIGWINCH' && terminal) return;
    if (signal === 'SIGTERM' || signal === 'SIGINT') {
      stopRequested = true;
      next = undefined;
      if (stopping?.byUs) {
        stopping.byUs = false; // a restart's stop becomes the stop asked for, with the grace it has left
        return log.notice(`${signal}: no restart; the child is already stopping`);
      }
      if (stopping) {
        log.warn(`second ${signal}: sending SIGKILL to the child now`);
        return signalTree(child!, 'SIGKILL');
      }
      return stop(signal, false, log);
    }
    // From a terminal too: the child's group is not the terminal's foreground one, so Ctrl-C reached only us (on a
    // terminal of ours, Ctrl-C is a byte passed to the child's terminal, which signals its foreground group).
    signalTree(child!, signal, o.singleChild);
  };
  const release = o.signals((signal) => out && onSignal(signal));
  o.control?.({
    signal: (signal) => running && signalTree(child!, signal, o.singleChild),
    restart: (env, why) => {
      if (stopRequested) return;
      if (running) {
        next = { env, why };
        if (!stopping) stop('SIGTERM', true, out!.log, `restarting the function (${why}): stopping the child`);
      } else if (next) next = { env, why }; // between a restart's two children: the newest configuration
    },
  });

  let exit: Exit = { code: 0 };
  for (let restarted = false; ; restarted = true) {
    terminal = o.terminal?.();
    const started = startChild(o.command, o.args, env, { channel: o.maskChannel !== undefined, terminal });
    out ??= openOutputs(o, 'child' in started ? started.child : undefined);
    const { log } = out;
    if (!('child' in started)) {
      terminal?.close();
      log.error(started.message);
      exit = { code: started.code };
      break;
    }
    child = started.child;
    running = true;
    stopping = undefined;
    const pipes = started.output;
    // Same tick as the spawn, so no chunk is read before our destinations are attached; `end: false` because the
    // stderr destination also carries our own last message, and a restarted child writes on. A terminal's one
    // output (both streams, in order) is stdout.
    pipes.forEach((pipe, index) => pipe.pipe(index === 0 ? out!.stdout : out!.stderr, { end: false }));
    const ended = Promise.all(pipes.map((pipe) => finished(pipe).catch(() => undefined)));
    // Our end of the mask channel, read when its reader asks; it never keeps us running (a process the child left
    // behind may hold the other end), and closes with this child.
    const channel = o.maskChannel && (child.stdio[MASK_CHANNEL_FD] as Socket | null);
    if (channel) {
      channel.unref();
      o.maskChannel!(channel, log);
    }
    const exited = new Promise<Exit>((done) => {
      child!.once('exit', (code, signal) => done({ code: exitCodeForChild(code, signal), signal }));
      // `on`, not `once`: kill() reports a failure (EPERM) as an 'error' event too, and an unheard one would throw.
      child!.on('error', (error: NodeJS.ErrnoException) => {
        if (child!.pid === undefined) done({ code: exitCodeForSpawnError(error.code), spawnError: error.code ?? 'unknown error' });
      });
    });
    terminal?.start(() => onSignal('SIGTSTP'));
    if (child.pid !== undefined) o.onStart?.(child.pid, log, restarted);

    exit = await exited;
    running = false;
    const wasStopping = stopping as Stopping | undefined; // set by the signal handler meanwhile
    clearTimeout(wasStopping?.timer);
    // What the child started may outlive it: the stop's grace (what is left of it) or LEFTOVER_GRACE_MS, then SIGKILL.
    const leftovers = exit.spawnError ? undefined : endLeftovers(child.pid!, {
      graceMs: wasStopping ? Math.max(0, wasStopping.deadline - Date.now()) : LEFTOVER_GRACE_MS,
      terminated: wasStopping !== undefined && !o.singleChild, now: hurried, log,
    });
    // After a stop (asked for, or a restart's) a reader that does not take our output gets DRAIN_MAX_MS more.
    const patience = wasStopping ? Promise.race([hurried, unrefDelay(DRAIN_MAX_MS)]) : hurried;
    await drain(pipes, ended, [out.stdout, out.stderr], log, patience);
    await leftovers;
    channel?.destroy();
    terminal?.close();
    // Only a child that a restart stopped is started again: one that exited by itself ends the run, as always.
    if (!wasStopping?.byUs || !next || stopRequested) break;
    // One child at a time: the next starts only once this one's group is gone.
    await groupGone(child.pid!, RESTART_GROUP_MS);
    if (stopRequested) break;
    log.notice(`${describe(exit)}; restarting the function (${next.why})`);
    env = next.env;
    next = undefined;
  }
  const { log } = out;
  if (exit.spawnError) log.error(`cannot start ${o.command}: ${exit.spawnError}`);
  else if (child) log.notice(describe(exit));
  // Our own readers may be slow or stuck: a stop request then gives up on what they have not taken.
  const patience = stopRequested ? Promise.race([hurried, unrefDelay(DRAIN_MAX_MS)]) : hurried;
  const gaveUp = await Promise.race([endAll([out.stdout, out.stderr]).then(() => false), patience.then(() => true)]);
  if (gaveUp) [out.stdout, out.stderr].forEach((w) => w.destroy());
  release();
  if (gaveUp) out.abandon?.(exit.code);
  return exit.code;
}

/** The child's end as our notices say it. */
function describe(exit: Exit): string {
  return exit.signal ? `child killed by ${exit.signal} (exit ${exit.code})` : `child exited with code ${exit.code}`;
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
