// A Transform over the matcher: output as soon as it is safe, a deadline for held bytes that fails closed,
// backpressure, and our own lines kept out of a partial secret.
import { Transform, type TransformCallback } from 'node:stream';
import { compile, type Automaton } from './automaton.js';
import { Matcher } from './matcher.js';
import { needlesFor, type NeedlePolicy, type Secret } from './needles.js';

export interface RedactorOptions {
  /** How long held bytes wait for more input before they are released (ms). Default 50. */
  holdMs?: number;
  /** At a release, up to this many held bytes come out raw; more come out as the mask. Default 3. */
  rawLimit?: number;
}

/** The compiled form of a set of secrets, built once and shared by every redactor stream. */
export interface Redaction {
  automaton: Automaton | null;
  /** Names of secrets too short to mask under the policy (to be reported, never their values). */
  tooShort: string[];
}

/** Compiles `secrets` for redaction under `policy`. */
export function compileRedaction(secrets: readonly Secret[], policy?: NeedlePolicy): Redaction {
  const { needles, tooShort } = needlesFor(secrets, policy);
  return { automaton: needles.length > 0 ? compile(needles) : null, tooShort };
}

/** A matcher for `redaction` with its masks (`{name}` in `mask` expands to the key name), or null when nothing is to be masked. */
export function createMatcher(redaction: Redaction, mask = '***'): Matcher | null {
  const { automaton } = redaction;
  if (automaton === null) return null;
  return new Matcher(automaton, automaton.names.map((name) => Buffer.from(mask.replaceAll('{name}', name), 'utf8')));
}

/** A redactor: the child's bytes are written to it as to any stream; our own lines go in by `writeMessage`. */
export interface RedactorStream extends Transform {
  /** Our own line, after what was written before it, masked too, but never inside a partial secret of the input's. */
  writeMessage(text: string): void;
}

/** A stream that passes bytes through unchanged except that what `matcher` finds is masked. */
export function createRedactor(matcher: Matcher | null, options: RedactorOptions = {}): RedactorStream {
  if (matcher === null) {
    const passthrough = new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) });
    return Object.assign(passthrough, { writeMessage: (text: string) => void passthrough.write(text) });
  }
  return new Redactor(matcher, options.holdMs ?? 50, options.rawLimit ?? 3);
}

// Not a line splitter (split2 and the like): those hold a partial line until its newline arrives and buffer a
// line of any length, where this holds only the bytes that may begin a secret and never more than the longest one.
class Redactor extends Transform implements RedactorStream {
  private timer: NodeJS.Timeout | undefined;
  /** Chunks written by `writeMessage`, told apart from the input's as they come through the write queue. */
  private readonly ours = new WeakSet<Buffer>();
  /** Our lines that came while the matcher held a partial secret: they go out once it holds nothing. */
  private waiting: Buffer[] = [];
  /** Counts chunks of input, so a deadline knows whether any came while it gave the event loop a turn. */
  private chunks = 0;

  constructor(private readonly matcher: Matcher, private readonly holdMs: number, private readonly rawLimit: number) {
    super();
    // A matcher handed over mid-stream (the pump's fallback) may already hold bytes: their deadline runs now.
    if (matcher.heldBytes > 0) this.arm();
  }

  writeMessage(text: string): void {
    const bytes = Buffer.from(text);
    this.ours.add(bytes);
    this.write(bytes); // through the write queue: after the input written before it, in order
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Fed into the matcher between the bytes of a partial secret, our line would end the match and let both halves
    // out raw; fed when the matcher holds nothing, it is masked as the input is, and breaks nothing.
    if (this.ours.has(chunk)) {
      this.waiting.push(chunk);
      if (this.matcher.heldBytes > 0) return done(); // no input of the writer's: its deadline runs on unchanged
    } else {
      this.chunks++;
      this.output(this.matcher.push(chunk));
    }
    this.sayWaiting();
    if (this.matcher.heldBytes > 0) this.arm();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.disarm();
    // The end of input: the held bytes go out by the release rule first, then our lines that waited for them.
    do this.output(this.matcher.release(this.rawLimit));
    while (this.sayWaiting());
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.disarm();
    done(error);
  }

  private output(pieces: Buffer[]): void {
    for (const piece of pieces) this.push(piece);
  }

  /** Feeds our waiting lines while the matcher holds nothing; true while lines still wait or bytes are held. */
  private sayWaiting(): boolean {
    while (this.waiting.length > 0 && this.matcher.heldBytes === 0) this.output(this.matcher.push(this.waiting.shift()!));
    return this.waiting.length > 0 || this.matcher.heldBytes > 0;
  }

  /** The deadline counts from the last input: a writer still writing keeps a partial match together. */
  private arm(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.deadline(), this.holdMs).unref();
  }

  /**
   * Input already waiting in our buffer (a slow reader holds it back) is no pause of the writer's: wait for it. Nor
   * is input waiting in the pipe: when our event loop was blocked (a write to a slow terminal), the timer fires
   * before the poll phase that reads it. So the release waits for one turn of the loop (setImmediate runs after a
   * poll, which reads every pipe with data and writes it to us in order) and happens only if no input came in it.
   * Not a non-blocking read of the pipe's descriptor, as the pump does: a stream written by any readable does not
   * know one, and reading past libuv would put those bytes ahead of any it has read and not yet given us.
   */
  private deadline(): void {
    if (this.writableLength > 0) return this.arm();
    const before = this.chunks;
    setImmediate(() => {
      if (this.timer === undefined || this.chunks !== before) return; // ended meanwhile, or more input: re-armed
      if (this.writableLength > 0) return this.arm();
      this.output(this.matcher.release(this.rawLimit));
      this.sayWaiting();
      if (this.matcher.heldBytes > 0) this.arm();
    });
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
