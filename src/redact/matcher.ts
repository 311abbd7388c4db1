// How to mask: a pure streaming byte matcher (bytes in, safe output out) with no streams and no timers.
import type { Automaton } from './automaton.js';
import { Exact } from './exact.js';
import { View } from './view.js';

interface Span {
  start: number;
  end: number;
  name: number;
}

const EMPTY = Buffer.alloc(0);
const NONE: number[] = [];

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

  /** The two passes (exact.ts, view.ts): their matches are merged in order of their end. */
  private readonly exact: Exact;
  private readonly view: View | null;

  /** `masks[i]` is the text output for a span of the secret named `automaton.names[i]`. */
  constructor(automaton: Automaton, private readonly masks: readonly Buffer[]) {
    this.exact = new Exact(automaton);
    this.view = automaton.view === null ? null : new View(automaton.view);
  }

  /** Bytes held back because they may begin a secret. */
  get heldBytes(): number {
    return this.pos - this.emitted;
  }

  /** Consumes `chunk` and returns what can be output now: zero-copy slices of input and shared mask buffers. */
  push(chunk: Buffer): Buffer[] {
    const base = this.pos;
    this.exact.push(chunk, base);
    this.view?.push(chunk, base);
    this.merge();
    this.pos = base + chunk.length;
    this.settle(this.liveStart(), chunk, base);
    this.keep(chunk, base);
    return this.take();
  }

  /** Records the matches of both passes of this push, in order of their end (as `match` takes them). */
  private merge(): void {
    const a = this.exact.found;
    const b = this.view?.found ?? NONE;
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const fromA = j >= b.length || (i < a.length && a[i + 1]! <= b[j + 1]!);
      const found = fromA ? a : b;
      const at = fromA ? i : j;
      this.match(found[at]!, found[at + 1]!, found[at + 2]!);
      if (fromA) i += 3;
      else j += 3;
    }
    a.length = b.length = 0;
  }

  /** The first offset a match may still start at: where the deepest partial match of either pass begins. */
  private liveStart(): number {
    return this.view === null ? this.exact.safe : Math.min(this.exact.safe, this.view.safe);
  }

  /** Name index of the secret that the partial match beginning at liveStart() belongs to. */
  private liveName(): number {
    return this.view !== null && this.view.safe < this.exact.safe ? this.view.name : this.exact.name;
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
    const start = this.liveStart();
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
      if (this.maskEnd !== this.emitted) this.out.push(this.masks[this.pending[0]?.name ?? this.liveName()]!);
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
