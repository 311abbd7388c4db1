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

// Dense rows cost `classes` ints each; keep them within ~16 MB whatever the number of secrets.
const DENSE_CELLS = 1 << 22;

/** Builds the automaton for `needles` (at least one). */
export function compile(needles: readonly Needle[]): Automaton {
  const names = [...new Set(needles.map((n) => n.name))];
  const nameIndex = new Map(names.map((n, i) => [n, i]));

  const byteClass = new Uint16Array(256);
  let classes = 1;
  for (const { bytes } of needles) for (const b of bytes) if (byteClass[b] === 0) byteClass[b] = classes++;

  // Trie with sparse children; state 0 is the root.
  const children: Map<number, number>[] = [new Map()];
  const ownLength = [0];
  const ownName = [-1];
  const prefixNameList = [-1];
  for (const { bytes, name } of needles) {
    let s = 0;
    for (const b of bytes) {
      const c = byteClass[b]!;
      let next = children[s]!.get(c);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        ownLength.push(0);
        ownName.push(-1);
        prefixNameList.push(nameIndex.get(name)!);
        children[s]!.set(c, next);
      }
      s = next;
    }
    ownLength[s] = bytes.length;
    ownName[s] = nameIndex.get(name)!;
  }

  // Breadth-first renumbering, failure links and inherited matches.
  const trieCount = children.length;
  const order = [0];
  const newId = new Int32Array(trieCount);
  const depthOld = new Int32Array(trieCount);
  for (let head = 0; head < order.length; head++) {
    const s = order[head]!;
    for (const child of children[s]!.values()) {
      newId[child] = order.length;
      depthOld[child] = depthOld[s]! + 1;
      order.push(child);
    }
  }
  const n = trieCount;
  const depth = new Int32Array(n);
  const fail = new Int32Array(n);
  const matchLength = new Int32Array(n);
  const matchName = new Int32Array(n).fill(-1);
  const prefixName = new Int32Array(n);
  const edgeStart = new Int32Array(n + 1);
  let edges = 0;
  for (let id = 0; id < n; id++) {
    edgeStart[id] = edges;
    edges += children[order[id]!]!.size;
  }
  edgeStart[n] = edges;
  const edgeClass = new Uint16Array(edges);
  const edgeTarget = new Int32Array(edges);
  for (let id = 0; id < n; id++) {
    const old = order[id]!;
    depth[id] = depthOld[old]!;
    prefixName[id] = prefixNameList[old]!;
    let e = edgeStart[id]!;
    for (const [c, child] of children[old]!) {
      edgeClass[e] = c;
      edgeTarget[e++] = newId[child]!;
    }
  }

  let denseStates = 1;
  while (denseStates < n && (denseStates + 1) * classes <= DENSE_CELLS) denseStates++;
  const dense = new Int32Array(denseStates * classes);

  // Failure links in BFS order: fail(child of s by c) = delta(fail(s), c).
  const step = (s: number, c: number): number => {
    for (;;) {
      if (s < denseStates) return dense[s * classes + c]!;
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) if (edgeClass[e] === c) return edgeTarget[e]!;
      s = fail[s]!;
    }
  };
  for (let id = 0; id < n; id++) {
    const old = order[id]!;
    if (ownLength[old]! > 0) {
      matchLength[id] = ownLength[old]!;
      matchName[id] = ownName[old]!;
    } else if (id > 0) {
      matchLength[id] = matchLength[fail[id]!]!;
      matchName[id] = matchName[fail[id]!]!;
    }
    if (id < denseStates) {
      const row = id * classes;
      for (let c = 0; c < classes; c++) dense[row + c] = id === 0 ? 0 : dense[fail[id]! * classes + c]!;
    }
    for (let e = edgeStart[id]!; e < edgeStart[id + 1]!; e++) {
      const c = edgeClass[e]!;
      const child = edgeTarget[e]!;
      fail[child] = id === 0 ? 0 : step(fail[id]!, c);
      if (id < denseStates) dense[id * classes + c] = child;
    }
  }

  let shortest = Infinity;
  let longest = 0;
  for (const { bytes } of needles) {
    shortest = Math.min(shortest, bytes.length);
    longest = Math.max(longest, bytes.length);
  }
  const { grams, gramShift } = gramFilter(needles, shortest);
  return {
    byteClass, classes, denseStates, dense, edgeStart, edgeClass, edgeTarget, fail, depth,
    matchLength, matchName, prefixName, names, shortest, longest, grams, gramShift,
  };
}

/** The 4-gram hash the prefilter uses; `window` is four bytes read little-endian. */
export function gramHash(window: number, shift: number): number {
  return Math.imul(window, 0x9e3779b1) >>> shift;
}

function gramFilter(needles: readonly Needle[], shortest: number): { grams: Uint32Array | null; gramShift: number } {
  if (shortest < 4) return { grams: null, gramShift: 0 };
  let windows = 0;
  for (const { bytes } of needles) windows += bytes.length - 3;
  // About 32 bits per window keeps false hits near 3% even at 1,000 secrets; 2^16..2^26 bits.
  const bits = Math.min(26, Math.max(16, Math.ceil(Math.log2(windows * 32))));
  const grams = new Uint32Array(1 << (bits - 5));
  const shift = 32 - bits;
  for (const { bytes } of needles) {
    for (let i = 0; i + 4 <= bytes.length; i++) {
      const h = gramHash(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24), shift);
      grams[h >>> 5]! |= 1 << (h & 31);
    }
  }
  return { grams, gramShift: shift };
}
