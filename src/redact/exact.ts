// The exact automaton's pass over the stream: the prefilter's probes, the automaton around their hits, long needles.
import { endianness } from 'node:os';
import { mayHold, type Automaton } from './automaton.js';
import { Trackers } from './tails.js';

// The filter hashes windows read little-endian; an Int32Array reads in the machine's order.
const WORDS_LITTLE_ENDIAN = endianness() === 'LE';

/** Finds every occurrence of the automaton's needles, byte for byte; positions are absolute stream offsets. */
export class Exact {
  private state = 0;
  private pos = 0;
  /** Probe pitch in 4-byte words; 0 when the shortest needle is too short to be sure of an aligned window. */
  private readonly wordPitch: number;
  /** Long needles past their first PREFIX bytes. */
  private readonly trackers: Trackers;
  /** End offset of the byte the trackers are reading. */
  private end = 0;
  /** Matches found by the last push, flat (start, end, name index), in order of their end. */
  readonly found: number[] = [];

  constructor(private readonly automaton: Automaton) {
    this.wordPitch = (automaton.shortest - 3) >> 2;
    this.trackers = new Trackers(automaton.tails, (length, name) => this.found.push(this.end - length, this.end, name));
  }

  /** The first stream offset a match may still start at: bytes from there on may be part of one. */
  get safe(): number {
    return this.pos - Math.max(this.automaton.depth[this.state]!, this.trackers.deepest);
  }

  /** Name index of the secret the held bytes may belong to. */
  get name(): number {
    if (this.trackers.deepest > this.automaton.depth[this.state]!) return this.trackers.deepestName;
    return this.automaton.prefixName[this.state]!;
  }

  /** Reads `chunk`, which starts at stream offset `base`, adding its matches to `found`. */
  push(chunk: Buffer, base: number): void {
    this.pos = base + chunk.length;
    // Without keys (every needle went to the view) there is nothing to find.
    if (this.automaton.longest === 0) return;
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
        if (length !== 0) this.found.push(base + i + 1 - length, base + i + 1, matchName[s]!);
        const g = group[s]!;
        if (g >= 0) trackers.begin(g);
        if (s === 0 && grams !== null && trackers.count === 0) {
          i++;
          continue outer;
        }
      }
    }
    this.state = s;
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
}
