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
  // This runs once per process start, cold. Each step is a small function of indexed loops over typed arrays:
  // V8 compiles a small function's loop to machine code far sooner than one in a large function.
  const flat = flatten(needles);
  const { byteClass, classes } = byteClasses(flat.all);
  const trie = buildTrie(flat, byteClass);
  const n = trie.parentOf.length;
  const denseStates = Math.max(1, Math.min(DENSE_DEPTH < flat.longest ? trie.levels[DENSE_DEPTH + 1]! : n, Math.floor(DENSE_CELLS / classes)));
  const firstChild = childRanges(trie.parentOf);
  const { fail, dense } = failureLinks(trie, firstChild, classes, denseStates);
  const { classOf, depth, matchLength, matchName, prefixName } = trie;
  const { names, shortest, longest } = flat;
  const { grams, gramShift } = gramFilter(flat);
  return {
    byteClass, classes, denseStates, dense, firstChild, classOf, fail, depth,
    matchLength, matchName, prefixName, names, shortest, longest, grams, gramShift,
  };
}

/** Every needle's bytes in one array, needle i at `start[i] .. start[i + 1]`, and its name as an index. */
interface Flat {
  all: Buffer;
  start: Int32Array;
  nameOf: Int32Array;
  names: string[];
  shortest: number;
  longest: number;
}

function flatten(needles: readonly Needle[]): Flat {
  const count = needles.length;
  const start = new Int32Array(count + 1);
  let shortest = Infinity;
  let longest = 0;
  for (let i = 0; i < count; i++) {
    const length = needles[i]!.bytes.length;
    start[i + 1] = start[i]! + length;
    shortest = Math.min(shortest, length);
    longest = Math.max(longest, length);
  }
  const all = Buffer.allocUnsafe(start[count]!);
  const names: string[] = [];
  const nameOf = new Int32Array(count);
  const nameIndex = new Map<string, number>();
  for (let i = 0, name = -1, last = ''; i < count; i++) {
    const needle = needles[i]!;
    all.set(needle.bytes, start[i]!);
    // A secret's needles come one after another: look its name up once.
    if (i === 0 || needle.name !== last) {
      last = needle.name;
      name = nameIndex.get(last) ?? names.push(last) - 1;
      nameIndex.set(last, name);
    }
    nameOf[i] = name;
  }
  return { all, start, nameOf, names, shortest, longest };
}

/** Numbers the bytes that occur, in order of first occurrence, from 1. */
function byteClasses(all: Buffer): { byteClass: Uint16Array; classes: number } {
  const byteClass = new Uint16Array(256);
  let classes = 1;
  for (let at = 0; at < all.length; at++) if (byteClass[all[at]!] === 0) byteClass[all[at]!] = classes++;
  return { byteClass, classes };
}

/** The trie's tables, and `levels[d]`: the first state of depth d. */
interface Trie {
  levels: Int32Array;
  parentOf: Int32Array;
  classOf: Uint16Array;
  depth: Int32Array;
  prefixName: Int32Array;
  matchLength: Int32Array;
  matchName: Int32Array;
}

// Over the needles in byte order, needle j adds a state at each depth past the prefix it shares with needle j - 1.
// Taken depth by depth, states so made come in the same order as depth-first: so counting them per depth first
// numbers them breadth-first, with the children of a state consecutive, in one pass and with no child lookups.
function buildTrie(flat: Flat, byteClass: Uint16Array): Trie {
  const { all, start, nameOf, longest } = flat;
  const { order, shared } = byteOrder(flat);
  const count = order.length;
  // Needle j makes the states of depths shared[j] + 1 .. its length: the changes in their number from depth to depth.
  const perDepth = new Int32Array(longest + 2);
  for (let j = 0; j < count; j++) {
    perDepth[shared[j]! + 1]!++;
    perDepth[start[order[j]! + 1]! - start[order[j]!]! + 1]!--;
  }
  const levels = new Int32Array(longest + 2);
  levels[1] = 1;
  for (let d = 1, states = 0; d <= longest; d++) levels[d + 1] = levels[d]! + (states += perDepth[d]!);
  const n = levels[longest + 1]!;
  const depth = new Int32Array(n);
  for (let d = 1; d <= longest; d++) depth.fill(d, levels[d], levels[d + 1]);

  const parentOf = new Int32Array(n);
  const classOf = new Uint16Array(n);
  const prefixName = new Int32Array(n);
  const matchLength = new Int32Array(n);
  const matchName = new Int32Array(n).fill(-1);
  const next = levels.slice();
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
  return { levels, parentOf, classOf, depth, prefixName, matchLength, matchName };
}

/** The needles in byte order, and how many bytes each shares with the one before. */
function byteOrder(flat: Flat): { order: Int32Array; shared: Int32Array } {
  const { all, start } = flat;
  const count = start.length - 1;
  // A native sort of latin1 strings (a comparator would run in JavaScript for each comparison), each made on its
  // own: slices of one string compare several times slower.
  const keys: string[] = new Array(count);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < count; i++) indexOf.set((keys[i] = all.toString('latin1', start[i], start[i + 1])), i);
  keys.sort();
  const order = new Int32Array(count);
  const shared = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    order[j] = indexOf.get(keys[j]!)!;
    if (j === 0) continue;
    const a = start[order[j - 1]!]!;
    const b = start[order[j]!]!;
    const stop = Math.min(start[order[j - 1]! + 1]! - a, start[order[j]! + 1]! - b);
    let common = 0;
    while (common < stop && all[a + common] === all[b + common]) common++;
    shared[j] = common;
  }
  return { order, shared };
}

/** firstChild[s]: the first child of s, from one scan, since parents come in breadth-first order too. */
function childRanges(parentOf: Int32Array): Int32Array {
  const n = parentOf.length;
  const firstChild = new Int32Array(n + 1);
  let p = 0;
  for (let s = 1; s < n; s++) while (p <= parentOf[s]!) firstChild[p++] = s;
  firstChild.fill(n, p);
  return firstChild;
}

// In breadth-first order, every state's parent, failure link and their rows are complete before it. A state's
// failure link is the transition from its parent's on its byte (Matcher.push inlines the same steps).
function failureLinks(trie: Trie, firstChild: Int32Array, classes: number, denseStates: number): { fail: Int32Array; dense: Int32Array } {
  const { parentOf, classOf, matchLength, matchName } = trie;
  const n = parentOf.length;
  const fail = new Int32Array(n);
  const dense = new Int32Array(denseStates * classes);
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
  return { fail, dense };
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

function gramFilter(flat: Flat): { grams: Uint32Array | null; gramShift: number } {
  const { all, start, shortest } = flat;
  if (shortest < 4) return { grams: null, gramShift: 0 };
  const count = start.length - 1;
  const windows = all.length - 3 * count;
  // 64 bits per window with two hashes: about 3% of bits set, so about 0.1% of probes are false hits, each of
  // which costs the automaton a run of up to `longest` bytes; 2^16..2^23 bits (1 MB: beyond that the probes miss the L2 cache and cost more than the false hits they save).
  const bits = Math.min(23, Math.max(16, Math.ceil(Math.log2(windows * 64))));
  const grams = new Uint32Array(1 << (bits - 5));
  const shift = 32 - bits;
  for (let i = 0; i < count; i++) {
    // The last 4 bytes read little-endian, as the matcher reads a window.
    let window = all[start[i]!]! << 8 | all[start[i]! + 1]! << 16 | all[start[i]! + 2]! << 24;
    for (let at = start[i]! + 3; at < start[i + 1]!; at++) {
      window = (window >>> 8) | (all[at]! << 24);
      const h1 = Math.imul(window, GRAM_HASH_1) >>> shift;
      const h2 = Math.imul(window, GRAM_HASH_2) >>> shift;
      grams[h1 >>> 5]! |= 1 << (h1 & 31);
      grams[h2 >>> 5]! |= 1 << (h2 & 31);
    }
  }
  return { grams, gramShift: shift };
}
