// The whitespace-blind view: the stream with line breaks (or all ASCII whitespace) skipped, matched against its needles.
import { mayHold, type Automaton } from './automaton.js';
import { Trackers } from './tails.js';
import { WHITESPACE } from './view-needles.js';
import { endianness } from 'node:os';

// The filter hashes windows read little-endian; an Int32Array reads in the machine's order.
const WORDS_LITTLE_ENDIAN = endianness() === 'LE';
/** A run of non-whitespace this long before a line break is a wrapped line (64 or 76 columns), not a log word. */
const WRAP = 40;
/** Longest run of whitespace an occurrence may span: beyond it the view starts afresh (held bytes stay bounded). */
const MAX_WS = 64;
/** A partial match of at most this many bytes before whitespace is a log word's end, not a wrapped secret (see push). */
const SHALLOW = 3;

/**
 * Runs its automaton over the stream's bytes but those it skips (`automaton.skip`, "whitespace" below: line breaks,
 * or all ASCII whitespace; view-needles.ts says when), so that a needle matches whatever of it a wrapper or a
 * terminal put inside it; a match covers the original bytes from its first to its last, whitespace
 * included. Matches and held positions are absolute stream offsets, as the matcher's; the bytes the automaton read
 * are numbered, and a map of the live window only (where each run of them begins) turns a number into an offset.
 */
export class View {
  private state = 0;
  private pos = 0;
  /** Non-whitespace bytes read by the automaton; from byte runIndex[r] on, byte j is at runOffset[r] + j - runIndex[r]. */
  private k = 0;
  private runIndex: number[] = [];
  private runOffset: number[] = [];
  /** Offset just past the last byte the automaton read. */
  private last = -1;
  /** No match starts before this: a log word's end let out the bytes before it (see push). */
  private floor = 0;
  /** Bytes read since the last ASCII whitespace (up to WRAP), the length of the last such word, skipped bytes just read. */
  private run = 0;
  private word = 0;
  private spaces = 0;
  private readonly trackers: Trackers;
  /** Offset just past the byte being read. */
  private end = 0;
  /** Matches found by the last push, flat (start, end, name index), in order of their end. */
  readonly found: number[] = [];
  /** The skipped bytes, and a bound under which they all lie (a word with no byte below it holds none of them). */
  private readonly skip: Uint8Array;
  private readonly below: number;

  constructor(private readonly automaton: Automaton) {
    this.skip = automaton.skip;
    // 0x21 above space, 0x0e above CR; each times 0x01010101, for the word test in probeWords.
    this.below = (automaton.skip[0x20] === 1 ? 0x21 : 0x0e) * 0x01010101;
    this.trackers = new Trackers(automaton.tails, (length, name) => this.found.push(Math.max(this.offset(this.k - length), this.floor), this.end, name));
  }

  /** The first stream offset the view may still need: bytes from there on may be part of a match. */
  get safe(): number {
    const d = Math.max(this.automaton.depth[this.state]!, this.trackers.deepest);
    return d === 0 ? this.pos : Math.max(this.offset(this.k - d), this.floor);
  }

  /** Name index of the secret the held bytes may belong to. */
  get name(): number {
    if (this.trackers.deepest > this.automaton.depth[this.state]!) return this.trackers.deepestName;
    return this.automaton.prefixName[this.state]!;
  }

  /** The stream offset of the j-th byte the automaton read (one of the live window). */
  private offset(j: number): number {
    const { runIndex, runOffset } = this;
    let lo = 0;
    let hi = runIndex.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (runIndex[mid]! <= j) lo = mid;
      else hi = mid - 1;
    }
    return runOffset[lo]! + j - runIndex[lo]!;
  }

  /** Forgets the runs before the live window (all of them when nothing is live). */
  private trim(): void {
    const d = Math.max(this.automaton.depth[this.state]!, this.trackers.deepest);
    const { runIndex, runOffset } = this;
    if (d === 0) {
      runIndex.length = runOffset.length = 0;
      this.last = -1;
      return;
    }
    let drop = 0;
    while (drop + 1 < runIndex.length && runIndex[drop + 1]! <= this.k - d) drop++;
    if (drop > 0) {
      runIndex.splice(0, drop);
      runOffset.splice(0, drop);
    }
  }

  // The rare steps of push, out of its loop: until V8 has optimized push, the stream goes through unoptimized code,
  // and the bigger push is, the later that happens (it waits for more of its own bytecodes to run, then compiles
  // longer: ~25 ms here, against ~11 ms for the exact pass's push; measured with --trace-opt).

  /** A match of the automaton's bytes from the j-th on, ending just before `end`. */
  private report(j: number, end: number, name: number): void {
    this.found.push(Math.max(this.offset(j), this.floor), end, name);
  }

  /** A run of whitespace longer than any occurrence may span, ending just before `at`: the view starts afresh. */
  private restart(at: number): number {
    this.trackers.clear();
    this.floor = Math.max(this.floor, at);
    return 0;
  }

  /** The state after a skipped byte just before `at` while a match is live, `word` the length of the word it ended. */
  private acrossSkipped(s: number, word: number, at: number): number {
    const { firstChild, group, fail, depth } = this.automaton;
    const trackers = this.trackers;
    // Whitespace does not move the automaton: a needle that just ended here and goes no further would hold the
    // line's end, so the state falls back to the longest start of a needle that may still go on.
    while (s !== 0 && firstChild[s] === firstChild[s + 1] && group[s]! < 0) s = fail[s]!;
    trackers.settle();
    // A partial match within a short word (or of a few bytes) is a log word's end, not a wrapped secret: the bytes
    // before this whitespace go out now (a line is not held for its last word), and a match continuing after it is
    // masked from here.
    const d = Math.max(depth[s]!, trackers.deepest);
    if (word < WRAP && (d <= SHALLOW || d <= word)) this.floor = Math.max(this.floor, at);
    return s;
  }

  /** Reads `chunk`, which starts at stream offset `base`, adding its matches to `found`. */
  push(chunk: Buffer, base: number): void {
    const { byteClass, dense, classes, denseStates, firstChild, classOf, fail, matchLength, matchName, depth, group, grams, longest } = this.automaton;
    const { runIndex, runOffset, trackers, skip } = this;
    const len = chunk.length;
    const carry = this.run;
    const words = WORDS_LITTLE_ENDIAN && this.automaton.shortest >= 7 && (chunk.byteOffset & 3) === 0 ? new Int32Array(chunk.buffer, chunk.byteOffset, len >> 2) : null;
    // The hot loop keeps its counters in locals (written back at the end, and `end` and `k` before a tracker's step,
    // whose report reads them).
    let { state: s, k, last, run, word, spaces } = this;
    let i = 0;
    /** Stream offset of the last probe's hit (the chunk's end for none, its start before any): the automaton runs past it. */
    let lastHit = base;
    outer: while (i < len) {
      if (s === 0 && trackers.count === 0) {
        // As the matcher's prefilter, on the bytes without whitespace: from a hit, back over the bytes an
        // occurrence through it may start with; no hit: the last bytes, which may start one that runs on.
        const hit = grams === null ? i : words === null ? this.probeBytes(chunk, i) : this.probeWords(chunk, words, i);
        lastHit = base + (hit >= 0 ? hit : len);
        const from = behind(chunk, skip, hit >= 0 ? hit : len, i, hit >= 0 ? longest - 4 : longest - 1);
        if (from > i) {
          i = from;
          run = runBefore(chunk, i, carry);
        }
      }
      for (; i < len; i++) {
        const b = chunk[i]!;
        if (skip[b] === 1) {
          if (run > 0) {
            word = run;
            run = 0;
          }
          if (s === 0 && trackers.count === 0) continue;
          s = ++spaces > MAX_WS ? this.restart(base + i + 1) : this.acrossSkipped(s, word, base + i + 1);
          if (s === 0 && trackers.count === 0) {
            i++;
            continue outer;
          }
          continue;
        }
        spaces = 0;
        // A word is a run of bytes without ASCII whitespace, skipped or not: in line-break mode a space or tab is read
        // like any byte, and ends a word as a line break does (the floor rule counts in words, as for log lines).
        if (WHITESPACE[b] === 1) {
          if (run > 0) word = run;
          run = 0;
        } else if (run < WRAP) run++;
        if (base + i !== last) {
          runIndex.push(k);
          runOffset.push(base + i);
        }
        last = base + i + 1;
        k++;
        if (trackers.count !== 0) {
          this.end = last;
          this.k = k;
          trackers.step(b);
        }
        // The matcher's transition, inlined as there.
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
        if (length !== 0) this.report(k - length, last, matchName[s]!);
        const g = group[s]!;
        if (g >= 0) trackers.begin(g);
        if (s === 0 && trackers.count === 0) {
          i++;
          continue outer;
        }
        // Whitespace does not bring the automaton back to the root, and most characters begin some base64 needle:
        // past the hit, a shallow start that began after it goes back to the prefilter, from its first byte (an
        // occurrence from there contains a later window; its start is past the hit, so this always progresses).
        // A start with whitespace within it (`run` shorter than its depth) is rare and left to the automaton: looking
        // it up would be a branch that first runs megabytes in, after V8 optimized push without it (a deoptimization
        // and a second compile, measured: 23 ms).
        const d = depth[s]!;
        if (d <= SHALLOW && run >= d && trackers.count === 0 && last - d > lastHit) {
          const start = last - d;
          if (start > lastHit && start >= base) {
            s = 0;
            i = start - base;
            run = runBefore(chunk, i, carry);
            continue outer;
          }
        }
      }
    }
    this.state = s;
    this.k = k;
    this.last = this.end = last;
    this.run = run;
    this.word = word;
    this.spaces = spaces;
    this.pos = base + len;
    this.trim();
  }

  /**
   * Probes, from `origin`, the first 4 non-whitespace bytes at each point of a grid of pitch shortest - 3 (every
   * occurrence has such a point with 4 of its bytes after it); points inside a run of whitespace see the window
   * after it and are skipped. Returns the offset of a hit window's first byte, or -1.
   */
  private probeBytes(chunk: Buffer, origin: number): number {
    const { grams, gramShift, shortest } = this.automaton;
    const skip = this.skip;
    for (let q = origin; q < chunk.length; ) {
      const first = nonSpace(chunk, skip, q);
      const window = windowAt(chunk, skip, first);
      if (window === undefined) return -1;
      if (mayHold(grams!, gramShift, window)) return first;
      q = Math.max(q + shortest - 3, first + 1);
    }
    return -1;
  }

  /**
   * The same on aligned words (pitch rounded down to whole words): a word with no byte below `below` (one test: no
   * whitespace in it) is its own window, one load as the matcher's probes; a word with one is read by bytes.
   */
  private probeWords(chunk: Buffer, words: Int32Array, origin: number): number {
    const { grams, gramShift, shortest } = this.automaton;
    const { skip, below } = this;
    const pitch = (shortest - 3) >> 2;
    for (let w = (origin + 3) >> 2; w < words.length; ) {
      const x = words[w]!;
      if (((x - below) & ~x & 0x80808080) === 0) {
        if (mayHold(grams!, gramShift, x)) return w << 2;
        w += pitch;
        continue;
      }
      const first = nonSpace(chunk, skip, w << 2);
      const window = windowAt(chunk, skip, first);
      if (window === undefined) return -1;
      if (mayHold(grams!, gramShift, window)) return first;
      w = Math.max(w + pitch, (first + 4) >> 2);
    }
    return -1;
  }
}

/** The first offset at or after `at` that is not whitespace. */
function nonSpace(chunk: Buffer, skip: Uint8Array, at: number): number {
  while (at < chunk.length && skip[chunk[at]!] === 1) at++;
  return at;
}

/** The first 4 non-whitespace bytes from `at` as a little-endian window, or undefined when the chunk ends first. */
function windowAt(chunk: Buffer, skip: Uint8Array, at: number): number | undefined {
  let window = 0;
  let n = 0;
  for (; n < 4 && at < chunk.length; at++) {
    const b = chunk[at]!;
    if (skip[b] === 0) {
      window = (window >>> 8) | (b << 24);
      n++;
    }
  }
  return n === 4 ? window : undefined;
}

/** The offset `count` non-whitespace bytes before `at` (not before `lowest`). */
function behind(chunk: Buffer, skip: Uint8Array, at: number, lowest: number, count: number): number {
  // `count` bytes back reach `lowest` whatever they are (the common case: the prefilter's next probe after a byte).
  if (at - lowest <= count) return lowest;
  let j = at;
  for (let n = 0; j > lowest && n < count; ) if (skip[chunk[--j]!] === 0) n++;
  return j;
}

/** How many non-whitespace bytes (up to WRAP) come just before `at`; `carry` is that count at the chunk's start. */
function runBefore(chunk: Buffer, at: number, carry: number): number {
  let n = 0;
  while (n < at && n < WRAP && WHITESPACE[chunk[at - 1 - n]!] === 0) n++;
  return n === at ? Math.min(WRAP, n + carry) : n;
}
