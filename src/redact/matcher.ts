// How to mask: a pure streaming byte matcher (bytes in, safe output out) with no streams and no timers.
import { endianness } from 'node:os';
import { mayHold, type Automaton } from './automaton.js';
import { Trackers } from './tails.js';
import { View } from './view.js';

interface Span {
  start: number;
  end: number;
  name: number;
}

const EMPTY = Buffer.alloc(0);
// The filter hashes windows read little-endian; an Int32Array reads in the machine's order.
const WORDS_LITTLE_ENDIAN = endianness() === 'LE';

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

  /** Probe pitch in 4-byte words; 0 when the shortest needle is too short to be sure of an aligned window. */
  private readonly wordPitch: number;
  /** Long needles past their first PREFIX bytes. */
  private readonly trackers: Trackers;
  /** The whitespace-blind view (view.ts): its matches are merged with the exact ones in order of their end. */
  private readonly view: View | null;
  private viewNext = 0;
  /** End offset of the byte the trackers are reading. */
  private end = 0;

  /** `masks[i]` is the text output for a span of the secret named `automaton.names[i]`. */
  constructor(private readonly automaton: Automaton, private readonly masks: readonly Buffer[]) {
    this.wordPitch = (automaton.shortest - 3) >> 2;
    this.trackers = new Trackers(automaton.tails, (length, name) => this.found(this.end - length, this.end, name));
    this.view = automaton.view === null ? null : new View(automaton.view);
  }

  /** Bytes held back because they may begin a secret. */
  get heldBytes(): number {
    return this.pos - this.emitted;
  }

  /** Consumes `chunk` and returns what can be output now: zero-copy slices of input and shared mask buffers. */
  push(chunk: Buffer): Buffer[] {
    const len = chunk.length;
    const base = this.pos;
    this.view?.push(chunk, base);
    // Without exact keys (every needle went to the view) the exact pass has nothing to find.
    const s = this.automaton.longest === 0 ? 0 : this.exact(chunk, base);
    this.foundBefore(Infinity);
    this.state = s;
    this.pos = base + len;
    this.settle(this.liveStart(), chunk, base);
    this.keep(chunk, base);
    return this.take();
  }

  /** The exact automaton over `chunk` (at stream offset `base`); returns its state after. */
  private exact(chunk: Buffer, base: number): number {
    const { byteClass, dense, classes, denseStates, firstChild, classOf, fail, matchLength, matchName, group, grams } = this.automaton;
    const trackers = this.trackers;
    const len = chunk.length;
    const back = this.automaton.longest - 4;
    const tail = this.automaton.longest - 1;
    // Whole aligned words read in one load each: the prefilter's probes cost a third of four byte reads.
    const words = WORDS_LITTLE_ENDIAN && this.wordPitch > 0 && (chunk.byteOffset & 3) === 0 ? new Int32Array(chunk.buffer, chunk.byteOffset, len >> 2) : null;
    let s = this.state;
    let i = 0;
    outer: while (i < len) {
      if (s === 0 && grams !== null && trackers.count === 0) {
        // A hit: an occurrence through that window starts at most `back` bytes before it. No hit: only an
        // occurrence running past the end of the chunk can remain, and it starts within its last `tail` bytes.
        const hit = words ? this.probeWords(words, i) : this.probeBytes(chunk, i);
        i = Math.max(hit >= 0 ? hit - back : len - tail, i);
      }
      // The automaton from the root at i is exact for every occurrence starting at i or later; run it until it
      // is back at the root (nothing live), then return to probing. The transition (dense row, else trie edges
      // down the failure links, as automaton.ts's deepLinks follows them) is inlined: this is the hot path.
      for (; i < len; i++) {
        const b = chunk[i]!;
        if (trackers.count !== 0) {
          this.end = base + i + 1;
          trackers.step(b);
        }
        const c = byteClass[b]!;
        if (s < denseStates) s = dense[s * classes + c]!;
        else if (c === 0) s = 0;
        else {
          for (;;) {
            if (s < denseStates) {
              s = dense[s * classes + c]!;
              break;
            }
            let child = firstChild[s]!;
            const stop = firstChild[s + 1]!;
            while (child < stop && classOf[child] !== c) child++;
            if (child < stop) {
              s = child;
              break;
            }
            s = fail[s]!;
          }
        }
        const length = matchLength[s]!;
        if (length !== 0) this.found(base + i + 1 - length, base + i + 1, matchName[s]!);
        const g = group[s]!;
        if (g >= 0) trackers.begin(g);
        if (s === 0 && grams !== null && trackers.count === 0) {
          i++;
          continue outer;
        }
      }
    }
    return s;
  }

  /** An exact occurrence: the view's matches that end before it go first. */
  private found(start: number, end: number, name: number): void {
    this.foundBefore(end);
    this.match(start, end, name);
  }

  /** Records the view's matches of this push that end at or before `end`. */
  private foundBefore(end: number): void {
    const found = this.view?.found;
    if (found === undefined) return;
    let next = this.viewNext;
    while (next < found.length && found[next + 1]! <= end) {
      this.match(found[next]!, found[next + 1]!, found[next + 2]!);
      next += 3;
    }
    if (next === found.length) {
      found.length = 0;
      next = 0;
    }
    this.viewNext = next;
  }

  /** The first offset a match may still start at: where the deepest partial match of either automaton begins. */
  private liveStart(): number {
    const exact = this.pos - Math.max(this.automaton.depth[this.state]!, this.trackers.deepest);
    return this.view === null ? exact : Math.min(exact, this.view.safe);
  }

  /** Name index of the secret that the partial match beginning at liveStart() belongs to. */
  private liveName(): number {
    const { depth, prefixName } = this.automaton;
    const tracked = this.trackers.deepest;
    const exact = this.pos - Math.max(depth[this.state]!, tracked);
    if (this.view !== null && this.view.safe < exact) return this.view.name;
    return tracked > depth[this.state]! ? this.trackers.deepestName : prefixName[this.state]!;
  }

  // The prefilter: every occurrence (at least `shortest` bytes) contains a whole 4-byte window on a grid of
  // pitch shortest - 3 bytes starting anywhere at or before it, so probing only those windows finds every
  // region the automaton must run over. Each returns the hit's byte offset, or -1.

  private probeBytes(chunk: Buffer, origin: number): number {
    const { grams, gramShift } = this.automaton;
    const pitch = this.automaton.shortest - 3;
    for (let q = origin; q + 4 <= chunk.length; q += pitch) {
      if (mayHold(grams!, gramShift, chunk[q]! | (chunk[q + 1]! << 8) | (chunk[q + 2]! << 16) | (chunk[q + 3]! << 24))) return q;
    }
    return -1;
  }

  /** The same on aligned words: the first aligned window at or after `origin` is at most 3 bytes later. */
  private probeWords(words: Int32Array, origin: number): number {
    const { grams, gramShift } = this.automaton;
    const pitch = this.wordPitch;
    for (let w = (origin + 3) >> 2; w < words.length; w += pitch) if (mayHold(grams!, gramShift, words[w]!)) return w << 2;
    return -1;
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
    if (held + rawBefore > rawLimit || (start < this.emitted && !startWasRaw)) {
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
