// After the child exits: its pipes are read to their end, unless a process it left behind holds them open; then our
// destinations are ended.
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Logger } from './log.js';

/** After the child exits, how long its pipes may stay silent (held open by a descendant) before we stop reading. */
const DRAIN_IDLE_MS = 1000;
/** ...and how long a descendant that keeps writing may keep us from exiting (waiting on a slow reader does not count). */
export const DRAIN_MAX_MS = 5000;
/**
 * What the child can have left in its pipes when it exits (64 KiB each by default, 1 MiB at most on Linux): a slow
 * reader may take that long; bytes past it were written by a descendant and do not extend the wait.
 */
const IN_FLIGHT_BYTES = 1 << 20;

/**
 * Waits for the child's pipes to reach end of file. A descendant may hold them open: we give up once they stay
 * silent for DRAIN_IDLE_MS, after DRAIN_MAX_MS in all, or at a stop request. A destination applying backpressure
 * holds both clocks back (the bytes are on their way, only slowly), the cap only while what we read since the exit
 * could still be the child's own.
 */
export async function drain(pipes: Readable[], ended: Promise<unknown>, to: Writable[], log: Logger, stop: Promise<void>): Promise<void> {
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

/** Ends the destinations and waits until they have flushed everything (a redactor releases held bytes on end). */
export async function endAll(to: Writable[]): Promise<void> {
  await Promise.all(to.map((w) => finished(w.end()).catch(() => undefined)));
}

/** Resolves after `ms` without keeping the process alive for it. */
export function unrefDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
