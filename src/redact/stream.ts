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
  /** Told what is masked (key names and counts, never a value). */
  watch?: RedactorWatch;
  /**
   * Called before the matcher reads each chunk of input: the mask channel's drain (src/mask-channel.ts), so that a
   * value the writer registered before writing it is learned first.
   */
  beforeRead?: () => void;
}

/** What a redactor tells of its work: for counts at exit and the development hint. */
export interface RedactorWatch {
  /** One mask of `name`'s went out, on `line` of the output (1-based; counted only when `lines` is set). */
  masked(name: string, line: number): void;
  /** Held bytes went out at a deadline or the end of input: how many, and whether as the mask (failing closed). */
  released(bytes: number, masked: boolean): void;
  lines?: boolean;
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
  return new Matcher(automaton, masksOf(automaton, mask));
}

/**
 * Makes `matcher` mask the secrets of `redaction` too, from its first byte not yet output on (Matcher.learn):
 * `redaction` must hold every secret learned before as well. Nothing to mask: nothing changes.
 */
export function learnRedaction(matcher: Matcher, redaction: Redaction, mask = '***'): void {
  if (redaction.automaton !== null) matcher.learn(redaction.automaton, masksOf(redaction.automaton, mask));
}

/** The mask buffers of each mask and key name, made once: a matcher keeps each buffer it was given, for `nameOf`. */
const madeMasks = new Map<string, Buffer>();

function masksOf(automaton: Automaton, mask: string): Buffer[] {
  return automaton.names.map((name) => {
    const key = `${mask}\0${name}`;
    let buffer = madeMasks.get(key);
    if (buffer === undefined) madeMasks.set(key, (buffer = Buffer.from(mask.replaceAll('{name}', name), 'utf8')));
    return buffer;
  });
}

/** A redactor: the child's bytes are written to it as to any stream; our own lines go in by `writeMessage`. */
export interface RedactorStream extends Transform {
  /** Our own line, after what was written before it, masked too, but never inside a partial secret of the input's. */
  writeMessage(text: string): void;
  /** Masks the secrets of `redaction` too, in what was written and not yet output as well (learnRedaction). */
  learn(redaction: Redaction, mask?: string): void;
}

/** A stream that passes bytes through unchanged except that what `matcher` finds is masked. */
export function createRedactor(matcher: Matcher | null, options: RedactorOptions = {}): RedactorStream {
  if (matcher === null) {
    const passthrough = new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) });
    // Passing through unmasked (--no-masking, or nothing to mask), learning changes nothing: `run` always compiles the
    // canary at least, so its redactors have a matcher to learn with.
    return Object.assign(passthrough, { writeMessage: (text: string) => void passthrough.write(text), learn: () => {} });
  }
  return new Redactor(matcher, options.holdMs ?? 50, options.rawLimit ?? 3, options.watch, options.beforeRead);
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
  /** The output's line, counted only when the watch asks for lines. */
  private line = 1;

  constructor(private readonly matcher: Matcher, private readonly holdMs: number, private readonly rawLimit: number, private readonly watch: RedactorWatch | undefined, private readonly beforeRead: (() => void) | undefined) {
    super();
    // A matcher handed over mid-stream (the pump's fallback) may already hold bytes: their deadline runs now.
    if (matcher.heldBytes > 0) this.arm();
  }

  writeMessage(text: string): void {
    const bytes = Buffer.from(text);
    this.ours.add(bytes);
    this.write(bytes); // through the write queue: after the input written before it, in order
  }

  learn(redaction: Redaction, mask?: string): void {
    learnRedaction(this.matcher, redaction, mask);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Fed into the matcher between the bytes of a partial secret, our line would end the match and let both halves
    // out raw; fed when the matcher holds nothing, it is masked as the input is, and breaks nothing.
    if (this.ours.has(chunk)) {
      this.waiting.push(chunk);
      if (this.matcher.heldBytes > 0) return done(); // no input of the writer's: its deadline runs on unchanged
    } else {
      this.chunks++;
      this.beforeRead?.();
      this.output(this.matcher.push(chunk));
    }
    this.sayWaiting();
    if (this.matcher.heldBytes > 0) this.arm();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.disarm();
    // The end of input: the held bytes go out by the release rule first, then our lines that waited for them.
    do this.release();
    while (this.sayWaiting());
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.disarm();
    done(error);
  }

  private output(pieces: Buffer[]): void {
    for (const piece of pieces) {
      const name = this.watch && this.matcher.nameOf(piece);
      if (name !== undefined) this.watch!.masked(name, this.line);
      else if (this.watch?.lines) for (let at = piece.indexOf(10); at >= 0; at = piece.indexOf(10, at + 1)) this.line++;
      this.push(piece);
    }
  }

  /** Lets the held bytes go by the release rule, and tells the watch how many went and how. */
  private release(): void {
    const held = this.matcher.heldBytes;
    const pieces = this.matcher.release(this.rawLimit);
    if (held > 0) this.watch?.released(held, pieces.some((piece) => this.matcher.nameOf(piece) !== undefined));
    this.output(pieces);
  }

  /**
   * Outputs our waiting lines while the child's matcher holds nothing; true while lines still wait or bytes are
   * held. Each is masked by a matcher of its own: fed to the child's, a line would end a partial secret that a
   * release let out in part (the matcher still follows it, to mask its rest), and the rest would go out raw.
   */
  private sayWaiting(): boolean {
    while (this.waiting.length > 0 && this.matcher.heldBytes === 0) {
      const line = this.waiting.shift()!;
      // Pushed as they are, not through output(): our lines are not the function's, for the counts or its lines.
      const own = this.matcher.fresh();
      for (const piece of [...own.push(line), ...own.release(0)]) this.push(piece);
    }
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
      this.release();
      this.sayWaiting();
      if (this.matcher.heldBytes > 0) this.arm();
    });
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
