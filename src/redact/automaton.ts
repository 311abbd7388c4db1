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
  // This runs once per process, cold (before the JIT warms up): the work is indexed loops over typed arrays, with
  // every needle's bytes in one array (needle i at `start[i] .. start[i + 1]`) and few allocations.
  const count = needles.length;
  const start = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) start[i + 1] = start[i]! + needles[i]!.bytes.length;
  const all = Buffer.allocUnsafe(start[count]!);
  const names: string[] = [];
  const nameOf = new Int32Array(count);
  const nameIndex = new Map<string, number>();
  let longest = 0;
  let shortest = Infinity;
  for (let i = 0, name = -1, last = ''; i < count; i++) {
    const needle = needles[i]!;
    all.set(needle.bytes, start[i]!);
    longest = Math.max(longest, needle.bytes.length);
    shortest = Math.min(shortest, needle.bytes.length);
    // A secret's needles come one after another: look its name up once.
    if (i === 0 || needle.name !== last) {
      last = needle.name;
      name = nameIndex.get(last) ?? names.push(last) - 1;
      nameIndex.set(last, name);
    }
    nameOf[i] = name;
  }
  const byteClass = new Uint16Array(256);
  let classes = 1;
  const gram = gramFilter(count, start, shortest);
  const grams = gram.grams;
  for (let i = 0; i < count; i++) {
    let window = 0;
    for (let at = start[i]!, end = start[i + 1]!; at < end; at++) {
      const b = all[at]!;
      if (byteClass[b] === 0) byteClass[b] = classes++;
      // The window of the last 4 bytes, read little-endian, as the matcher probes it.
      window = (window >>> 8) | (b << 24);
      if (grams !== null && at - start[i]! >= 3) {
        const h1 = Math.imul(window, GRAM_HASH_1) >>> gram.gramShift;
        const h2 = Math.imul(window, GRAM_HASH_2) >>> gram.gramShift;
        grams[h1 >>> 5]! |= 1 << (h1 & 31);
        grams[h2 >>> 5]! |= 1 << (h2 & 31);
      }
    }
  }

  // The trie from the needles in byte order (a native sort of their latin1 strings): needle j adds a state at
  // each depth past the prefix it shares with needle j - 1. Taken depth by depth, states so made come in the
  // same order as depth-first, so counting them per depth first numbers them breadth-first in one pass.
  const text = all.toString('latin1');
  const keys: string[] = new Array(count);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < count; i++) indexOf.set((keys[i] = text.slice(start[i]!, start[i + 1]!)), i);
  keys.sort();
  const order = new Int32Array(count);
  const shared = new Int32Array(count);
  const perDepth = new Int32Array(longest + 2);
  for (let j = 0; j < count; j++) {
    const i = (order[j] = indexOf.get(keys[j]!)!);
    let common = 0;
    if (j > 0) {
      const a = start[order[j - 1]!]!;
      const b = start[i]!;
      const stop = Math.min(start[order[j - 1]! + 1]! - a, start[i + 1]! - b);
      while (common < stop && all[a + common] === all[b + common]) common++;
    }
    shared[j] = common;
    perDepth[common + 1]!++;
    perDepth[start[i + 1]! - start[i]! + 1]!--;
  }
  // next[d]: the id of the next state at depth d, from 1 (root 0) up.
  const next = new Int32Array(longest + 2);
  next[1] = 1;
  for (let d = 1, states = 0; d <= longest; d++) next[d + 1] = next[d]! + (states += perDepth[d]!);
  const n = next[longest + 1]!;
  const depth = new Int32Array(n);
  for (let d = 1; d <= longest; d++) depth.fill(d, next[d], next[d + 1]);
  let denseStates = DENSE_DEPTH < longest ? next[DENSE_DEPTH + 1]! : n;
  denseStates = Math.max(1, Math.min(denseStates, Math.floor(DENSE_CELLS / classes)));

  const classOf = new Uint16Array(n);
  const parentOf = new Int32Array(n);
  const prefixName = new Int32Array(n);
  const matchLength = new Int32Array(n);
  const matchName = new Int32Array(n).fill(-1);
  // path[d]: the state at depth d of the needle being added (those of the shared prefix stay from the one before).
  const path = new Int32Array(longest + 1);
  for (let j = 0; j < count; j++) {
    const i = order[j]!;
    const from = start[i]! - 1;
    const length = start[i + 1]! - start[i]!;
    for (let d = shared[j]! + 1; d <= length; d++) {
      const s = next[d]!++;
      parentOf[s] = path[d - 1]!;
      classOf[s] = byteClass[all[from + d]!]!;
      prefixName[s] = nameOf[i]!;
      path[d] = s;
    }
    matchLength[path[length]!] = length;
    matchName[path[length]!] = nameOf[i]!;
  }

  // Parents are in breadth-first order too, so the children of each state follow from one scan.
  const firstChild = new Int32Array(n + 1);
  for (let s = 1, p = 0; s <= n; s++) {
    const parent = s < n ? parentOf[s]! : n;
    while (p <= parent) firstChild[p++] = s;
  }

  const fail = new Int32Array(n);
  const dense = new Int32Array(denseStates * classes);
  // In breadth-first order, every state's parent, failure link and their rows are complete before it. The
  // failure link is the transition from the parent's (Matcher.push inlines the same steps).
  for (let s = 0; s < n; s++) {
    const parent = parentOf[s]!;
    let f = 0;
    if (parent !== 0) {
      const c = classOf[s]!;
      for (let t = fail[parent]!; ; t = fail[t]!) {
        if (t < denseStates) {
          f = dense[t * classes + c]!;
          break;
        }
        let child = firstChild[t]!;
        const stop = firstChild[t + 1]!;
        while (child < stop && classOf[child] !== c) child++;
        if (child < stop) {
          f = child;
          break;
        }
      }
      fail[s] = f;
      if (matchLength[s] === 0 && matchLength[f] !== 0) {
        matchLength[s] = matchLength[f]!;
        matchName[s] = matchName[f]!;
      }
    }
    if (s < denseStates) {
      const row = s * classes;
      if (s > 0) dense.copyWithin(row, f * classes, f * classes + classes);
      for (let child = firstChild[s]!; child < firstChild[s + 1]!; child++) dense[row + classOf[child]!] = child;
    }
  }

  return {
    byteClass, classes, denseStates, dense, firstChild, classOf, fail, depth,
    matchLength, matchName, prefixName, names, shortest, longest, grams, gramShift: gram.gramShift,
  };
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

function gramFilter(count: number, start: Int32Array, shortest: number): { grams: Uint32Array | null; gramShift: number } {
  if (shortest < 4) return { grams: null, gramShift: 0 };
  const windows = start[count]! - 3 * count;
  // 64 bits per window with two hashes: about 3% of bits set, so about 0.1% of probes are false hits, each of
  // which costs the automaton a run of up to `longest` bytes; 2^16..2^23 bits (1 MB: beyond that the probes miss the L2 cache and cost more than the false hits they save).
  const bits = Math.min(23, Math.max(16, Math.ceil(Math.log2(windows * 64))));
  return { grams: new Uint32Array(1 << (bits - 5)), gramShift: 32 - bits };
}
