// Compiles needles once into an Aho–Corasick byte automaton and a sampled 4-gram prefilter, shared by all streams.
import type { Needle } from './needles.js';

/**
 * Immutable tables. States are numbered breadth-first and the children of a state are consecutive ids, so the
 * shallow states that get dense transition rows are exactly ids below `denseStates`, and a deeper state's trie
 * edges are the ids `firstChild[s] .. firstChild[s + 1]`, each labelled by its own `classOf`.
 */
export interface Automaton {
  /** Byte -> class; class 0 is every byte that occurs in no needle. */
  readonly byteClass: Uint16Array;
  readonly classes: number;
  readonly denseStates: number;
  /** Row-major `denseStates × classes` transitions. */
  readonly dense: Int32Array;
  readonly firstChild: Int32Array;
  /** Class of the byte that leads into each state. */
  readonly classOf: Uint16Array;
  readonly fail: Int32Array;
  readonly depth: Int32Array;
  /** Length of the longest needle ending in this state (0: none) and the index of its secret name. */
  readonly matchLength: Int32Array;
  readonly matchName: Int32Array;
  /** Index of the name of a needle this state is a prefix of, for masks of held bytes. */
  readonly prefixName: Int32Array;
  readonly names: readonly string[];
  readonly shortest: number;
  readonly longest: number;
  /** Bloom filter over every 4-byte window of every needle (null when some needle is shorter than 4 bytes). */
  readonly grams: Uint32Array | null;
  readonly gramShift: number;
}

// Dense rows cost `classes` ints each and are filled at start-up, so only the shallow states that the automaton
// passes through on almost every byte get one (within 4 MB); deeper states use their trie edges and failure links.
const DENSE_DEPTH = 3;
const DENSE_CELLS = 1 << 20;

/** Builds the automaton for `needles` (at least one, no two alike). */
export function compile(needles: readonly Needle[]): Automaton {
  const names = [...new Set(needles.map((n) => n.name))];
  const nameIndex = new Map(names.map((n, i) => [n, i]));
  const byteClass = new Uint16Array(256);
  let classes = 1;
  let total = 1;
  let longest = 0;
  for (const { bytes } of needles) {
    for (const b of bytes) if (byteClass[b] === 0) byteClass[b] = classes++;
    total += bytes.length;
    longest = Math.max(longest, bytes.length);
  }

  // The trie, one depth level at a time over the sorted needles: a needle gets a new state at depth d unless it
  // shares d bytes with the needle before it. This numbers states breadth-first with no child lookups.
  const sorted = [...needles].sort((x, y) => Buffer.compare(x.bytes, y.bytes));
  let live = sorted.map((needle, i) => ({ bytes: needle.bytes, name: nameIndex.get(needle.name)!, state: 0, common: i === 0 ? -1 : commonPrefix(sorted[i - 1]!.bytes, needle.bytes) }));
  const classOf = new Uint16Array(total);
  const depth = new Int32Array(total);
  const parentOf = new Int32Array(total);
  const prefixName = new Int32Array(total);
  const matchLength = new Int32Array(total);
  const matchName = new Int32Array(total).fill(-1);
  const children = new Int32Array(total + 1);
  let count = 1;
  for (let d = 1; live.length > 0; d++) {
    let state = 0;
    for (const needle of live) {
      if (needle.common < d) {
        state = count++;
        parentOf[state] = needle.state;
        classOf[state] = byteClass[needle.bytes[d - 1]!]!;
        depth[state] = d;
        prefixName[state] = needle.name;
        children[needle.state]!++;
      }
      needle.state = state;
      if (needle.bytes.length === d) {
        matchLength[state] = d;
        matchName[state] = needle.name;
      }
    }
    // Needles that end drop out; the common prefix of the new neighbours is the least of those in between.
    const next: typeof live = [];
    let common = Infinity;
    for (const needle of live) {
      common = Math.min(common, needle.common);
      if (needle.bytes.length > d) {
        needle.common = next.length === 0 ? -1 : common;
        next.push(needle);
        common = Infinity;
      }
    }
    live = next;
  }
  const n = count;
  const firstChild = new Int32Array(n + 1);
  firstChild[0] = 1;
  for (let s = 0; s < n; s++) firstChild[s + 1] = firstChild[s]! + children[s]!;

  const fail = new Int32Array(n);
  let denseStates = n;
  for (let s = 1; s < n; s++) if (depth[s]! > DENSE_DEPTH) {
    denseStates = s;
    break;
  }
  denseStates = Math.max(1, Math.min(denseStates, Math.floor(DENSE_CELLS / classes)));
  const dense = new Int32Array(denseStates * classes);
  // Transition from any state, walking failure links down to a dense row (Matcher.push inlines the same steps).
  const step = (s: number, c: number): number => {
    for (;;) {
      if (s < denseStates) return dense[s * classes + c]!;
      for (let child = firstChild[s]!; child < firstChild[s + 1]!; child++) if (classOf[child] === c) return child;
      s = fail[s]!;
    }
  };
  // In breadth-first order, every state's parent, failure link and their rows are complete before it.
  for (let s = 0; s < n; s++) {
    if (s > 0) {
      const parent = parentOf[s]!;
      fail[s] = parent === 0 ? 0 : step(fail[parent]!, classOf[s]!);
      if (matchLength[s] === 0) {
        matchLength[s] = matchLength[fail[s]!]!;
        matchName[s] = matchName[fail[s]!]!;
      }
    }
    if (s < denseStates) {
      const row = s * classes;
      const from = fail[s]! * classes;
      if (s > 0) for (let c = 0; c < classes; c++) dense[row + c] = dense[from + c]!;
      for (let child = firstChild[s]!; child < firstChild[s + 1]!; child++) dense[row + classOf[child]!] = child;
    }
  }

  let shortest = Infinity;
  for (const { bytes } of needles) shortest = Math.min(shortest, bytes.length);
  const { grams, gramShift } = gramFilter(needles, shortest);
  return {
    byteClass, classes, denseStates, dense, firstChild, classOf, fail, depth,
    matchLength, matchName, prefixName, names, shortest, longest, grams, gramShift,
  };
}

function commonPrefix(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

// The prefilter's two multiplicative hashes of a 4-byte window read little-endian (a Bloom filter, k = 2).
const GRAM_HASH_1 = 0x9e3779b1;
const GRAM_HASH_2 = 0x85ebca6b;

/** Whether the prefilter may hold this 4-byte window (both of its bits set); false means no needle has it. */
export function mayHold(grams: Uint32Array, shift: number, window: number): boolean {
  const h1 = Math.imul(window, GRAM_HASH_1) >>> shift;
  if ((grams[h1 >>> 5]! & (1 << (h1 & 31))) === 0) return false;
  const h2 = Math.imul(window, GRAM_HASH_2) >>> shift;
  return (grams[h2 >>> 5]! & (1 << (h2 & 31))) !== 0;
}

function gramFilter(needles: readonly Needle[], shortest: number): { grams: Uint32Array | null; gramShift: number } {
  if (shortest < 4) return { grams: null, gramShift: 0 };
  let windows = 0;
  for (const { bytes } of needles) windows += bytes.length - 3;
  // 64 bits per window with two hashes: about 3% of bits set, so about 0.1% of probes are false hits, each of
  // which costs the automaton a run of up to `longest` bytes; 2^16..2^23 bits (1 MB: beyond that the probes miss the L2 cache and cost more than the false hits they save).
  const bits = Math.min(23, Math.max(16, Math.ceil(Math.log2(windows * 64))));
  const grams = new Uint32Array(1 << (bits - 5));
  const shift = 32 - bits;
  for (const { bytes } of needles) {
    for (let i = 0; i + 4 <= bytes.length; i++) {
      const window = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
      const h1 = Math.imul(window, GRAM_HASH_1) >>> shift;
      const h2 = Math.imul(window, GRAM_HASH_2) >>> shift;
      grams[h1 >>> 5]! |= 1 << (h1 & 31);
      grams[h2 >>> 5]! |= 1 << (h2 & 31);
    }
  }
  return { grams, gramShift: shift };
}
