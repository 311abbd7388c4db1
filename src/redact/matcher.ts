// How to mask: a pure streaming byte matcher (bytes in, safe output out) with no streams and no timers.
import type { Automaton } from './automaton.js';
import { Layers, type Span } from './layer.js';

const EMPTY = Buffer.alloc(0);

/**
 * Masks every byte covered by any occurrence of any needle, merging overlapping or adjacent occurrences into one
 * mask. Positions are absolute byte offsets in the stream. All bytes before `pos - depth` are final (no needle
 * occurrence can still start there), so only the automaton's live depth is ever held back.
 */
export class Matcher {
  private pos = 0;
  /** Every byte before `emitted` has been output, raw or under a mask. */
  private emitted = 0;
  /** Bytes [emitted, pos), copied: the only input the matcher keeps; they end `filled` bytes into `store`. */
  private held: Buffer = EMPTY;
  private store: Buffer = EMPTY;
  private filled = 0;
  /** End of the last mask output; a match starting at or before it extends that mask instead of adding one. */
  private maskEnd = -1;
  /** Matches not yet output because a longer occurrence could still start before them. */
  private pending: Span[] = [];
  private out: Buffer[] = [];
  /** Raw ranges [from, to) that releases let out and a live partial secret may still span, flat. */
  private released: number[] = [];
  private releasing = false;
  /** Start of the partial secret a release last put under the mask. */
  private maskedStart = -1;

  /** The compiled needles: the constructor's, and what `learn` added (layer.ts). */
  private readonly layers: Layers;

  /** `masks[i]` is the text output for a span of the secret named `automaton.names[i]`. */
  constructor(automaton: Automaton, masks: readonly Buffer[]) {
    this.layers = new Layers(automaton, masks);
  }

  /**
   * Masks the needles of `automaton` too, from the first byte not yet output on: the bytes held now are read by
   * them as well, so one of their secrets among them, or begun in them, is masked. `automaton` must hold the needles
   * of every earlier `learn` too (they are dropped), not those of the constructor's (they stay).
   */
  learn(automaton: Automaton, masks: readonly Buffer[]): void {
    const found = this.layers.learn(automaton, masks, this.held.subarray(this.held.length - this.heldBytes), this.emitted);
    // Its matches in the held bytes end anywhere among those already pending: take them all again, by their end.
    const spans = [...this.pending, ...found].sort((a, b) => a.end - b.end);
    this.pending = [];
    for (const span of spans) this.match(span);
  }

  /** The key name of a mask buffer in the output, or undefined for the input's bytes. */
  nameOf(piece: Buffer): string | undefined {
    return this.layers.nameOf(piece);
  }

  /** A matcher of its own with the same needles, at the start of a stream (for our own lines). */
  fresh(): Matcher {
    const { first, newest } = this.layers;
    const matcher = new Matcher(first.automaton, first.masks);
    if (newest) matcher.learn(newest.automaton, newest.masks);
    return matcher;
  }

  /** Bytes held back because they may begin a secret. */
  get heldBytes(): number {
    return this.pos - this.emitted;
  }

  /** Consumes `chunk` and returns what can be output now: zero-copy slices of input and shared mask buffers. */
  push(chunk: Buffer): Buffer[] {
    const base = this.pos;
    for (const span of this.layers.push(chunk, base)) this.match(span);
    this.pos = base + chunk.length;
    this.settle(this.layers.safe, chunk, base);
    this.keep(chunk, base);
    return this.take();
  }

  /**
   * Outputs everything held, as at a deadline or at the end of input. Fails closed: when the partial secret would
   * then show more than `rawLimit` raw bytes in all, the held bytes come out as the mask. Matching state survives,
   * so the rest of a secret arriving later is masked too (merged with this mask when nothing came between).
   */
  release(rawLimit: number): Buffer[] {
    const held = this.pos - this.emitted;
    if (held === 0) return [];
    // The partial secret the held bytes belong to may have begun before them: bytes of it that earlier releases
    // let out raw count against the limit (else a writer pausing every few bytes would leak it all), and one whose
    // first byte went out under a mask stays under it. Bytes before `start` (which never decreases) are no concern.
    const start = this.layers.safe;
    const released = this.released;
    while (released.length > 0 && released[1]! <= start) released.splice(0, 2);
    let rawBefore = 0;
    let startWasRaw = false;
    for (let i = 0; i < released.length; i += 2) {
      rawBefore += Math.max(0, Math.min(released[i + 1]!, this.emitted) - Math.max(released[i]!, start));
      if (released[i]! <= start && start < released[i + 1]!) startWasRaw = true;
    }
    // Once part of a partial secret went out under a mask, so does the rest: raw bytes are only ever its prefix.
    // Except whitespace alone, held after a match in case a secret's next line follows (the line break after a
    // masked PEM key, then a pause): within the limit it goes out raw, or the log would lose its line breaks.
    const underMask = (start < this.emitted && !startWasRaw) || start === this.maskedStart;
    if (held + rawBefore > rawLimit || (underMask && !isBlank(this.held, this.held.length - held))) {
      this.maskedStart = start;
      if (this.maskEnd !== this.emitted) this.out.push(this.pending[0]?.mask ?? this.layers.heldMask);
      this.pending = [];
      this.maskEnd = this.emitted = this.pos;
    } else {
      this.releasing = true;
      this.settle(this.pos, EMPTY, this.pos);
      this.releasing = false;
    }
    this.held = EMPTY;
    return this.take();
  }

  /** Records an occurrence [start, end); occurrences arrive in order of their end. */
  private match(span: Span): void {
    let { start, mask } = span;
    const { end } = span;
    // After a fail-closed release, an occurrence may begin in bytes already output; mask what remains of it.
    if (start < this.emitted) start = this.emitted;
    const pending = this.pending;
    while (pending.length > 0 && pending[pending.length - 1]!.end >= start) {
      const merged = pending.pop()!;
      if (merged.start <= start) {
        start = merged.start;
        mask = merged.mask;
      }
    }
    if (start <= this.maskEnd) this.maskEnd = this.emitted = end;
    else pending.push({ start, end, mask });
  }

  /** Outputs every pending mask and raw byte before `safe`, the first position an occurrence may still start at. */
  private settle(safe: number, chunk: Buffer, base: number): void {
    const pending = this.pending;
    while (pending.length > 0 && pending[0]!.start < safe) {
      const span = pending.shift()!;
      this.raw(span.start, chunk, base);
      this.out.push(span.mask);
      this.maskEnd = this.emitted = span.end;
    }
    if (this.emitted < safe) this.raw(safe, chunk, base);
  }

  /** Outputs input bytes [emitted, to) as they are. */
  private raw(to: number, chunk: Buffer, base: number): void {
    const from = this.emitted;
    if (to <= from) return;
    const heldStart = base - this.held.length;
    if (from < base) this.out.push(this.held.subarray(from - heldStart, Math.min(to, base) - heldStart));
    if (to > base) this.out.push(chunk.subarray(Math.max(from, base) - base, to - base));
    if (this.releasing) this.released.push(from, to);
    this.emitted = to;
  }

  /**
   * Copies the bytes not yet output, so the caller may reuse `chunk`. They are appended to a store with room to
   * spare (a long needle being followed may hold its whole length across many small writes: copying the held
   * bytes at each write would be quadratic); bytes already handed out are never written over.
   */
  private keep(chunk: Buffer, base: number): void {
    const from = this.emitted;
    if (from >= this.pos) {
      this.held = EMPTY;
      return;
    }
    const kept = from < base ? this.held.subarray(this.held.length - (base - from)) : EMPTY;
    const added = from < base ? chunk : chunk.subarray(from - base);
    const length = kept.length + added.length;
    const store = this.store;
    if (kept.length > 0 && kept.buffer === store.buffer && kept.byteOffset + kept.length === store.byteOffset + this.filled && this.filled + added.length <= store.length) {
      added.copy(store, this.filled);
      this.filled += added.length;
      this.held = store.subarray(this.filled - length, this.filled);
      return;
    }
    const fresh = Buffer.allocUnsafe(Math.max(4096, 2 * length));
    kept.copy(fresh, 0);
    added.copy(fresh, kept.length);
    this.store = fresh;
    this.filled = length;
    this.held = fresh.subarray(0, length);
  }

  private take(): Buffer[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** Whether `bytes` from `from` on are all ASCII whitespace (space, tab, CR, LF). */
function isBlank(bytes: Buffer, from: number): boolean {
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false;
  }
  return true;
}
