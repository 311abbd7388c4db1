// Signal handlers taken before anything else loads, so signals during boot are not lost and Node as PID 1 obeys them.
import { exitCodeForSignal } from './exit-codes.js';

/** What a supervisor forwards to its child; never SIGCHLD (ours) or SIGURG (V8 uses it internally). */
export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/**
 * Job control (Ctrl-Z, then `fg` or `bg`), taken only while a child runs: while we boot, or in `redact`, the default
 * action stops us as it should. Not SIGTTIN/SIGTTOU: we never read the terminal, and a caught SIGTTOU (a write from
 * the background under `stty tostop`) makes the kernel restart our blocked write, and raise it again, forever.
 */
const JOB_CONTROL = ['SIGTSTP', 'SIGCONT'] as const;

/** Those whose default action ends a process: with no child to pass them to, they end us the same way. */
const ENDING = new Set<NodeJS.Signals>(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

type Handler = (signal: NodeJS.Signals) => void;
let handler: Handler | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (handler) return handler(signal);
  // Booting (or a command with no child): a stop request ends the boot at once, as the default action would, but
  // with an exit code, since the kernel drops default-action signals sent to PID 1. SIGUSR1/2 and SIGWINCH are
  // dropped: replayed into a child that has not installed its handlers yet they would kill it, and a child started
  // after them reads fresh state (logs, terminal size) anyway.
  if (ENDING.has(signal)) process.exit(exitCodeForSignal(signal));
}

/** Installs our handlers; main.ts calls this before importing anything heavy. Idempotent. */
export function installSignalHandlers(): void {
  for (const signal of FORWARDED_SIGNALS) {
    if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
  }
}

/** Gives the signals that end a process their default action back, for a command that blocks in a system call. */
export function restoreEndingSignals(): void {
  // libuv restarts a read interrupted by a caught signal, and its handler runs only once the read returns.
  for (const signal of ENDING) process.removeListener(signal, onSignal);
}

const onJobControl = (signal: NodeJS.Signals): void => handler?.(signal);

/** Routes every forwarded signal and job control to `to` (a running child's supervisor) until the returned release is called. */
export function takeSignals(to: Handler): () => void {
  installSignalHandlers();
  for (const signal of JOB_CONTROL) if (!process.listeners(signal).includes(onJobControl)) process.on(signal, onJobControl);
  handler = to;
  return () => {
    if (handler !== to) return;
    handler = undefined;
    for (const signal of JOB_CONTROL) process.removeListener(signal, onJobControl);
  };
}
