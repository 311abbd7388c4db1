// The `redact` command's loop: a matcher between stdin and stdout with blocking reads and writes, streams as fallback.
import { closeSync, constants, fstatSync, openSync, read, readSync, writeSync, writevSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Matcher } from './matcher.js';
import { createRedactor } from './stream.js';

/** Bytes read at once: twice a pipe's default capacity, so a read of a full pipe drains it in one call. */
const CHUNK = 128 * 1024;

export interface PumpOptions {
  /** How long held bytes wait for more input before they are released (ms). */
  holdMs: number;
  /** At a release, up to this many held bytes come out raw; more come out as the mask. */
  rawLimit: number;
}

/** What the pump leaves to streams when a descriptor turns out non-blocking. */
interface HandOver {
  /** Output still to write, in order. */
  unwritten: Buffer[];
  /** Input ended already: only `unwritten` is left to do. */
  ended: boolean;
}

/**
 * Filters stdin to stdout through `matcher` until end of input; a closed stdout (EPIPE) ends it quietly. `blocking`:
 * with the pump; without it, or once a descriptor turns out non-blocking, streams go on with the same matcher.
 * Streams make process.stdin and process.stdout, which set O_NONBLOCK on the descriptions: only then.
 */
export async function redactStdio(matcher: Matcher | null, options: PumpOptions & { blocking: boolean }): Promise<void> {
  if (options.blocking) {
    const handOver = await pump(matcher, 0, 1, options);
    if (handOver === undefined) return;
    for (const piece of handOver.unwritten) process.stdout.write(piece);
    if (handOver.ended) return; // Node writes out what process.stdout holds before it exits
  }
  try {
    await pipeline(process.stdin, createRedactor(matcher, options), process.stdout);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  }
}

/**
 * Filters `input` into `output` through `matcher` (none: bytes pass as they are) until end of input or a closed
 * output (EPIPE). Node streams cost a turn of the event loop, a fresh buffer and a queue per chunk; a blocking
 * read into one buffer, written out before the next read, costs two system calls and is about twice as fast. A
 * blocking read runs no timer, so while the matcher holds bytes a non-blocking twin of a FIFO first says whether
 * data waits, and if none does the read is made on libuv's thread pool with the deadline armed to release them.
 * Resolves `undefined` when done; when a descriptor turns out non-blocking
 * (EAGAIN: shared with a process that made it so), resolves with what the caller's streams are to do.
 */
async function pump(matcher: Matcher | null, input: number, output: number, options: PumpOptions): Promise<HandOver | undefined> {
  const sink = new Sink(output);
  const release = (): void => sink.write(matcher!.release(options.rawLimit));
  const buffer = Buffer.allocUnsafe(CHUNK);
  const twin = matcher === null ? -1 : nonBlockingTwin(input);
  let ended = false;
  try {
    while (!sink.stopped) {
      const length = matcher !== null && matcher.heldBytes > 0
        ? (readNow(twin, buffer) ?? (await readBefore(input, buffer, options.holdMs, release)))
        : readSync(input, buffer);
      if (length === 0) {
        ended = true;
        if (matcher) release();
        break;
      }
      const chunk = buffer.subarray(0, length);
      sink.write(matcher ? matcher.push(chunk) : [chunk]);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    return sink.closed ? undefined : { unwritten: sink.end() ?? [], ended: false };
  } finally {
    if (twin >= 0) closeSync(twin);
  }
  const unwritten = sink.end();
  return unwritten === undefined ? undefined : { unwritten, ended };
}

/** Blocking writes to one descriptor that never throw (one may run from the deadline's timer): they record how writing stopped. */
class Sink {
  /** What a full non-blocking descriptor did not take, in order. */
  private leftover: Buffer[] | undefined;
  /** The reader went away (EPIPE): we end quietly, as `cat` does. */
  closed = false;
  private failure: unknown;

  constructor(private readonly fd: number) {}

  get stopped(): boolean {
    return this.closed || this.leftover !== undefined || this.failure !== undefined;
  }

  write(pieces: Buffer[]): void {
    if (this.closed || this.failure !== undefined) return;
    if (this.leftover) this.leftover.push(...pieces);
    else {
      try {
        this.leftover = writeAll(this.fd, pieces);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') this.closed = true;
        else this.failure = error;
      }
    }
  }

  /** Throws a write's error; else what is left to write (undefined: nothing, or nobody to write it to). */
  end(): Buffer[] | undefined {
    if (this.failure !== undefined) throw this.failure;
    return this.closed ? undefined : this.leftover;
  }
}

/**
 * A second open file description of a FIFO `fd`, non-blocking and ours alone (setting O_NONBLOCK on the shared
 * one would change it for every process sharing it), to ask whether data is waiting; -1 for anything else.
 */
function nonBlockingTwin(fd: number): number {
  try {
    return fstatSync(fd).isFIFO() ? openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK) : -1;
  } catch {
    return -1; // no /proc: every read with bytes held goes to the thread pool
  }
}

/** What is waiting on `twin` now, without blocking; undefined when nothing is (or there is no twin). */
function readNow(twin: number, buffer: Buffer): number | undefined {
  if (twin < 0) return undefined;
  try {
    return readSync(twin, buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return undefined;
    throw error;
  }
}

/** A read on the thread pool, calling `deadline` if nothing has come `ms` after it began. */
function readBefore(fd: number, buffer: Buffer, ms: number, deadline: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(deadline, ms);
    read(fd, buffer, 0, buffer.length, null, (error, length) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(length);
    });
  });
}

/** Writes `pieces` whole, blocking; returns what is left when the descriptor is non-blocking and full. */
function writeAll(fd: number, pieces: Buffer[]): Buffer[] | undefined {
  let rest = pieces;
  while (rest.length > 0) {
    let written: number;
    try {
      written = rest.length === 1 ? writeSync(fd, rest[0]!) : writevSync(fd, rest);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return rest;
      throw error;
    }
    let i = 0;
    while (i < rest.length && written >= rest[i]!.length) written -= rest[i++]!.length;
    rest = rest.slice(i);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
  }
  return undefined;
}
