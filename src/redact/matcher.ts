// How to mask: a pure streaming byte matcher (bytes in, safe output out) with no streams and no timers.
import type { Automaton } from './automaton.js';

interface Span {
  start: number;
  end: number;
  name: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Masks every byte covered by any occurrence of any needle, merging overlapping or adjacent occurrences into one
 * mask. Positions are absolute byte offsets in the stream. All bytes before `pos - depth` are final (no needle
 * occurrence can still start there), so only the automaton's live depth is ever held back.
 */
export class Matcher {
  private state = 0;
  private pos = 0;
  /** Every byte before `emitted` has been output, raw or under a mask. */
  private emitted = 0;
  /** Bytes [emitted, pos), copied: the only input the matcher keeps. */
  private held: Buffer = EMPTY;
  /** End of the last mask output; a match starting at or before it extends that mask instead of adding one. */
  private maskEnd = -1;
  /** Matches not yet output because a longer occurrence could still start before them. */
  private pending: Span[] = [];
  private out: Buffer[] = [];

  /** `masks[i]` is the text output for a span of the secret named `automaton.names[i]`. */
  constructor(private readonly a: Automaton, private readonly masks: readonly Buffer[]) {}

  /** Bytes held back because they may begin a secret. */
  get heldBytes(): number {
    return this.pos - this.emitted;
  }

  /** Consumes `chunk` and returns what can be output now: zero-copy slices of input and shared mask buffers. */
  push(chunk: Buffer): Buffer[] {
    const { byteClass, dense, classes, denseStates, edgeStart, edgeClass, edgeTarget, fail, matchLength, matchName, grams, gramShift } = this.a;
    const len = chunk.length;
    const base = this.pos;
    // Prefilter: any occurrence (at least `shortest` bytes long) contains a whole 4-byte window starting on a
    // grid of pitch shortest - 3, so probing those windows finds every region the automaton must run over.
    const pitch = this.a.shortest - 3;
    const back = this.a.longest - 4;
    const tail = this.a.longest - 1;
    let s = this.state;
    let i = 0;
    outer: while (i < len) {
      if (s === 0 && grams !== null) {
        const origin = i;
        let q = i;
        for (; q + 4 <= len; q += pitch) {
          const window = chunk[q]! | (chunk[q + 1]! << 8) | (chunk[q + 2]! << 16) | (chunk[q + 3]! << 24);
          const h = Math.imul(window, 0x9e3779b1) >>> gramShift;
          if ((grams[h >>> 5]! & (1 << (h & 31))) !== 0) {
            const h2 = Math.imul(window, 0x85ebca6b) >>> gramShift;
            if ((grams[h2 >>> 5]! & (1 << (h2 & 31))) !== 0) break;
          }
        }
        // A hit: an occurrence through window q starts at most `back` bytes before it. No hit: only an
        // occurrence running past the end of the chunk can remain, and it starts within its last `tail` bytes.
        i = Math.max(q + 4 <= len ? q - back : len - tail, origin);
      }
      // The automaton from the root at i is exact for every occurrence starting at i or later; run it until it
      // is back at the root (nothing live), then return to probing.
      for (; i < len; i++) {
        const c = byteClass[chunk[i]!]!;
        if (s < denseStates) s = dense[s * classes + c]!;
        else if (c === 0) s = 0;
        else {
          for (;;) {
            if (s < denseStates) {
              s = dense[s * classes + c]!;
              break;
            }
            let e = edgeStart[s]!;
            const stop = edgeStart[s + 1]!;
            while (e < stop && edgeClass[e] !== c) e++;
            if (e < stop) {
              s = edgeTarget[e]!;
              break;
            }
            s = fail[s]!;
          }
        }
        const length = matchLength[s]!;
        if (length !== 0) this.match(base + i + 1 - length, base + i + 1, matchName[s]!);
        if (s === 0 && grams !== null) {
          i++;
          continue outer;
        }
      }
    }
    this.state = s;
    this.pos = base + len;
    this.settle(this.pos - this.a.depth[s]!, chunk, base);
    this.keep(chunk, base);
    return this.take();
  }

  /**
   * Outputs everything held, as at a deadline or at the end of input. Fails closed: more than `rawLimit` held
   * bytes come out as the mask, not raw. Matching state survives, so the rest of a secret arriving later is
   * masked too (merged with this mask when nothing came between).
   */
  release(rawLimit: number): Buffer[] {
    const held = this.pos - this.emitted;
    if (held === 0) return [];
    if (held > rawLimit) {
      if (this.maskEnd !== this.emitted) this.out.push(this.masks[this.pending[0]?.name ?? this.a.prefixName[this.state]!]!);
      this.pending = [];
      this.maskEnd = this.emitted = this.pos;
    } else {
      this.settle(this.pos, EMPTY, this.pos);
    }
    this.held = EMPTY;
    return this.take();
  }

  /** Records an occurrence [start, end); occurrences arrive in order of their end. */
  private match(start: number, end: number, name: number): void {
    // After a fail-closed release, an occurrence may begin in bytes already output; mask what remains of it.
    if (start < this.emitted) start = this.emitted;
    const pending = this.pending;
    while (pending.length > 0 && pending[pending.length - 1]!.end >= start) {
      const merged = pending.pop()!;
      if (merged.start <= start) {
        start = merged.start;
        name = merged.name;
      }
    }
    if (start <= this.maskEnd) this.maskEnd = this.emitted = end;
    else pending.push({ start, end, name });
  }

  /** Outputs every pending mask and raw byte before `safe`, the first position an occurrence may still start at. */
  private settle(safe: number, chunk: Buffer, base: number): void {
    const pending = this.pending;
    while (pending.length > 0 && pending[0]!.start < safe) {
      const span = pending.shift()!;
      this.raw(span.start, chunk, base);
      this.out.push(this.masks[span.name]!);
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
    this.emitted = to;
  }

  /** Copies the bytes not yet output, so the caller may reuse `chunk`. */
  private keep(chunk: Buffer, base: number): void {
    const from = this.emitted;
    if (from >= this.pos) this.held = EMPTY;
    else if (from >= base) this.held = Buffer.from(chunk.subarray(from - base));
    else this.held = Buffer.concat([this.held.subarray(this.held.length - (base - from)), chunk]);
  }

  private take(): Buffer[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
