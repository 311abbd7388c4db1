// Compiles needles once into an Aho–Corasick byte automaton and a sampled 4-gram prefilter, shared by all streams.
import type { Needle } from './needles.js';

/**
 * Immutable tables; states are numbered breadth-first, so the shallow states that get dense transition rows are
 * exactly ids below `denseStates`, and every deeper state falls back along failure links to one of them.
 */
export interface Automaton {
  /** Byte -> class; class 0 is every byte that occurs in no needle. */
  readonly byteClass: Uint16Array;
  readonly classes: number;
  readonly denseStates: number;
  /** Row-major `denseStates × classes` transitions. */
  readonly dense: Int32Array;
  /** Trie edges of the deep states (CSR: edgeStart[s] .. edgeStart[s + 1]), then the failure link. */
  readonly edgeStart: Int32Array;
  readonly edgeClass: Uint16Array;
  readonly edgeTarget: Int32Array;
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
  /** 4-gram bitset over every window of every needle (null when some needle is shorter than 4 bytes). */
  readonly grams: Uint32Array | null;
  readonly gramShift: number;
}

// Dense rows cost `classes` ints each; keep them within 4 MB whatever the number of secrets.
const DENSE_CELLS = 1 << 20;

/** Builds the automaton for `needles` (at least one, no two alike). */
export function compile(needles: readonly Needle[]): Automaton {
  const names = [...new Set(needles.map((n) => n.name))];
  const nameIndex = new Map(names.map((n, i) => [n, i]));

  const byteClass = new Uint16Array(256);
  let classes = 1;
  for (const { bytes } of needles) for (const b of bytes) if (byteClass[b] === 0) byteClass[b] = classes++;

  // The trie, built from sorted needles: each shares its path with the previous one for their common prefix,
  // so no child lookup is needed (a hash per edge made this 10x slower at 1,000 secrets).
  let total = 1;
  for (const { bytes } of needles) total += bytes.length;
  const parentOf = new Int32Array(total);
  const classOf = new Uint16Array(total);
  const depthOf = new Int32Array(total);
  const ownLength = new Int32Array(total);
  const ownName = new Int32Array(total);
  const prefixOf = new Int32Array(total);
  const sorted = [...needles].sort((x, y) => Buffer.compare(x.bytes, y.bytes));
  const path = [0];
  let count = 1;
  let previous: Buffer = Buffer.alloc(0);
  for (const { bytes, name } of sorted) {
    const nameId = nameIndex.get(name)!;
    let common = 0;
    while (common < previous.length && common < bytes.length && previous[common] === bytes[common]) common++;
    let s = path[common]!;
    for (let d = common; d < bytes.length; d++) {
      const t = count++;
      parentOf[t] = s;
      classOf[t] = byteClass[bytes[d]!]!;
      depthOf[t] = d + 1;
      prefixOf[t] = nameId;
      path[d + 1] = s = t;
    }
    ownLength[s] = bytes.length;
    ownName[s] = nameId;
    previous = bytes;
  }

  // Breadth-first numbering (a counting sort by depth) and the edges of each state, in that numbering.
  const n = count;
  let longest = 0;
  for (let t = 0; t < n; t++) longest = Math.max(longest, depthOf[t]!);
  const atDepth = new Int32Array(longest + 2);
  for (let t = 0; t < n; t++) atDepth[depthOf[t]! + 1]!++;
  for (let d = 1; d < atDepth.length; d++) atDepth[d]! += atDepth[d - 1]!;
  const order = new Int32Array(n);
  const newId = new Int32Array(n);
  for (let t = 0; t < n; t++) order[(newId[t] = atDepth[depthOf[t]!]!++)] = t;
  const edgeStart = new Int32Array(n + 1);
  for (let id = 1; id < n; id++) edgeStart[newId[parentOf[order[id]!]!]! + 1]!++;
  for (let id = 0; id < n; id++) edgeStart[id + 1]! += edgeStart[id]!;
  const edgeClass = new Uint16Array(n - 1);
  const edgeTarget = new Int32Array(n - 1);
  const fill = edgeStart.slice(0, n);
  for (let id = 1; id < n; id++) {
    const e = fill[newId[parentOf[order[id]!]!]!]!++;
    edgeClass[e] = classOf[order[id]!]!;
    edgeTarget[e] = id;
  }

  const depth = new Int32Array(n);
  const fail = new Int32Array(n);
  const matchLength = new Int32Array(n);
  const matchName = new Int32Array(n).fill(-1);
  const prefixName = new Int32Array(n);
  const denseStates = Math.max(1, Math.min(n, Math.floor(DENSE_CELLS / classes)));
  const dense = new Int32Array(denseStates * classes);
  // Transition from any state, walking failure links down to a dense row.
  const step = (s: number, c: number): number => {
    for (;;) {
      if (s < denseStates) return dense[s * classes + c]!;
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) if (edgeClass[e] === c) return edgeTarget[e]!;
      s = fail[s]!;
    }
  };
  // In breadth-first order, every state's parent, failure link and their rows are complete before it.
  for (let id = 0; id < n; id++) {
    const old = order[id]!;
    depth[id] = depthOf[old]!;
    prefixName[id] = prefixOf[old]!;
    if (id > 0) {
      const parent = newId[parentOf[old]!]!;
      fail[id] = parent === 0 ? 0 : step(fail[parent]!, classOf[old]!);
    }
    if (ownLength[old]! > 0) {
      matchLength[id] = ownLength[old]!;
      matchName[id] = ownName[old]!;
    } else {
      matchLength[id] = matchLength[fail[id]!]!;
      matchName[id] = matchName[fail[id]!]!;
    }
    if (id < denseStates) {
      const row = id * classes;
      const from = fail[id]! * classes;
      if (id > 0) for (let c = 0; c < classes; c++) dense[row + c] = dense[from + c]!;
      for (let e = edgeStart[id]!; e < edgeStart[id + 1]!; e++) dense[row + edgeClass[e]!] = edgeTarget[e]!;
    }
  }

  let shortest = Infinity;
  for (const { bytes } of needles) shortest = Math.min(shortest, bytes.length);
  const { grams, gramShift } = gramFilter(needles, shortest);
  return {
    byteClass, classes, denseStates, dense, edgeStart, edgeClass, edgeTarget, fail, depth,
    matchLength, matchName, prefixName, names, shortest, longest, grams, gramShift,
  };
}

/** The prefilter's two hashes of a 4-byte window (read little-endian): a Bloom filter with k = 2. */
export function gramHashes(window: number, shift: number): [number, number] {
  return [Math.imul(window, 0x9e3779b1) >>> shift, Math.imul(window, 0x85ebca6b) >>> shift];
}

function gramFilter(needles: readonly Needle[], shortest: number): { grams: Uint32Array | null; gramShift: number } {
  if (shortest < 4) return { grams: null, gramShift: 0 };
  let windows = 0;
  for (const { bytes } of needles) windows += bytes.length - 3;
  // 64 bits per window with two hashes: about 3% of bits set, so about 0.1% of probes are false hits, each of
  // which costs the automaton a run of up to `longest` bytes; 2^16..2^26 bits.
  const bits = Math.min(26, Math.max(16, Math.ceil(Math.log2(windows * 64))));
  const grams = new Uint32Array(1 << (bits - 5));
  const shift = 32 - bits;
  for (const { bytes } of needles) {
    for (let i = 0; i + 4 <= bytes.length; i++) {
      for (const h of gramHashes(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24), shift)) grams[h >>> 5]! |= 1 << (h & 31);
    }
  }
  return { grams, gramShift: shift };
}
