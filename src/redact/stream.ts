// A Transform over the matcher: output as soon as it is safe, a deadline for held bytes that fails closed, backpressure.
import { Transform, type TransformCallback } from 'node:stream';
import { compile, type Automaton } from './automaton.js';
import { Matcher } from './matcher.js';
import { needlesFor, type NeedlePolicy, type Secret } from './needles.js';

export interface RedactorOptions {
  /** Mask text; `{name}` expands to the secret's key name. Default `***`. */
  mask?: string;
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

/** A stream that passes bytes through unchanged except that every secret in `redaction` is masked. */
export function createRedactor(redaction: Redaction, options: RedactorOptions = {}): Transform {
  const { automaton } = redaction;
  if (automaton === null) return new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) });
  const template = options.mask ?? '***';
  const masks = automaton.names.map((name) => Buffer.from(template.replaceAll('{name}', name), 'utf8'));
  return new Redactor(new Matcher(automaton, masks), options.holdMs ?? 50, options.rawLimit ?? 3);
}

// Not a line splitter (split2 and the like): those hold a partial line until its newline arrives and buffer a
// line of any length, where this holds only the bytes that may begin a secret and never more than the longest one.
class Redactor extends Transform {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly matcher: Matcher, private readonly holdMs: number, private readonly rawLimit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.output(this.matcher.push(chunk));
    if (this.matcher.heldBytes > 0) this.arm();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.disarm();
    this.output(this.matcher.release(this.rawLimit));
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.disarm();
    done(error);
  }

  private output(pieces: Buffer[]): void {
    for (const piece of pieces) this.push(piece);
  }

  /** The deadline counts from the last input: a writer still writing keeps a partial match together. */
  private arm(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.deadline(), this.holdMs).unref();
  }

  /** Input already waiting in our buffer (a slow reader holds it back) is no pause of the writer's: wait for it. */
  private deadline(): void {
    if (this.writableLength > 0) this.arm();
    else this.output(this.matcher.release(this.rawLimit));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
