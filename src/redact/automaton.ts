// Compiles needles once into an Aho–Corasick byte automaton and a sampled 4-gram prefilter, shared by all streams.
import { byteOrder, type Needle } from './needles.js';
import { splitLong, type Keys, type Tails } from './tails.js';
import { LINE_BREAKS, splitView } from './view-needles.js';

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
  /** Depth of each state (at most PREFIX: a byte each). */
  readonly depth: Uint8Array;
  /** Length of the longest needle ending in this state (0: none) and the index of its secret name. */
  readonly matchLength: Uint8Array;
  readonly matchName: Int32Array;
  /** Index of the name of a needle this state is a prefix of, for masks of held bytes. */
  readonly prefixName: Int32Array;
  /** The group of long needles (tails.ts) whose first PREFIX bytes end at this state, or -1. */
  readonly group: Int32Array;
  readonly tails: Tails;
  /** Names of all secrets, of this automaton and its view alike. */
  readonly names: readonly string[];
  /** Shortest key and deepest state (keys are needles cut to PREFIX bytes). */
  readonly shortest: number;
  readonly longest: number;
  /** Bloom filter over every 4-byte window of every needle (null when some needle is shorter than 4 bytes). */
  readonly grams: Uint32Array | null;
  readonly gramShift: number;
  /** The whitespace-blind automaton (view.ts), on the needles view-needles.ts gives it; null when none. */
  readonly view: Automaton | null;
  /** The bytes the view's automaton skips (1 in the table): see view-needles.ts. Unused by the exact one. */
  readonly skip: Uint8Array;
}

// Dense rows cost `classes` ints each and are filled at start-up, so only the shallow states that the automaton
// passes through on almost every byte get one (within 4 MB); deeper states use their trie edges and failure links.
const DENSE_DEPTH = 3;
const DENSE_CELLS = 1 << 20;

/** Builds the exact automaton and its view for `needles` (no two alike). */
export function compile(needles: readonly Needle[]): Automaton {
  const { exact, view, skip } = splitView(needles);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const automaton = compileKeys(splitLong(exact), names, nameIndex);
  return view.length === 0 ? automaton : { ...automaton, view: { ...compileKeys(splitLong(view), names, nameIndex), skip } };
}

function nameIndexOf(name: string, names: string[], nameIndex: Map<string, number>): number {
  let index = nameIndex.get(name);
  if (index === undefined) nameIndex.set(name, (index = names.push(name) - 1));
  return index;
}

function compileKeys(split: Keys, names: string[], nameIndex: Map<string, number>): Automaton {
  // This runs once per process start, cold (before V8's JIT has warmed up): the work is in small functions of
  // indexed loops over typed arrays, with few allocations.
  const { keys: needles, complete, keyGroup } = split;
  const nameOf = new Int32Array(needles.length);
  let shortest = Infinity;
  let longest = 0;
  let windows = 0;
  for (let i = 0; i < needles.length; i++) {
    const { bytes, name } = needles[i]!;
    shortest = Math.min(shortest, bytes.length);
    longest = Math.max(longest, bytes.length);
    windows += bytes.length - 3;
    nameOf[i] = nameIndexOf(name, names, nameIndex);
  }
  // 64 bits per window with two hashes: about 3% of bits set, so about 0.1% of probes are false hits, each of
  // which costs the automaton a run of up to `longest` bytes; 2^16..2^23 bits (1 MB: beyond that the probes miss the L2 cache and cost more than the false hits they save).
  const bits = Math.min(23, Math.max(16, Math.ceil(Math.log2(windows * 64))));
  const grams = shortest < 4 ? null : new Uint32Array(1 << (bits - 5));
  const gramShift = shortest < 4 ? 0 : 32 - bits;
  const trie = buildTrie(needles, nameOf, longest, grams, gramShift, complete, keyGroup);
  const { byteClass, classes, levels, firstChild, classOf, depth, matchLength, matchName, prefixName, group } = trie;
  const denseStates = Math.max(1, Math.min(DENSE_DEPTH < longest ? levels[DENSE_DEPTH + 1]! : depth.length, Math.floor(DENSE_CELLS / classes)));
  const { fail, dense } = failureLinks(trie, denseStates);
  const tailName = new Int32Array(split.tails.length);
  for (let i = 0; i < split.tails.length; i++) tailName[i] = nameIndexOf(split.tails[i]!.name, names, nameIndex);
  const tails = { tails: split.tails.map((t) => t.bytes), tailName, groupStart: split.groupStart };
  return {
    byteClass, classes, denseStates, dense, firstChild, classOf, fail, depth, matchLength, matchName, prefixName,
    group, tails, names, shortest, longest, grams, gramShift, view: null, skip: LINE_BREAKS,
  };
}

type Trie = ReturnType<typeof buildTrie>;

// Over the needles in byte order, needle j adds a state at each depth past the prefix it shares with needle j - 1.
// States so made come depth-first, which at each depth is also breadth-first order: so once the states of each
// depth are counted, each gets its breadth-first id as it is made, in one pass and with no child lookups.
function buildTrie(needles: readonly Needle[], nameOf: Int32Array, longest: number, grams: Uint32Array | null, gramShift: number, complete: Uint8Array, keyGroup: Int32Array) {
  const { order, shared } = byteOrder(needles);
  // Needle j makes the states of depths shared[j] + 1 .. its length; levels[d] is the first state of depth d.
  const change = new Int32Array(longest + 2);
  for (let j = 0; j < order.length; j++) {
    change[shared[j]! + 1]!++;
    change[needles[order[j]!]!.bytes.length + 1]!--;
  }
  const levels = new Int32Array(longest + 2);
  levels[1] = 1;
  for (let d = 1, states = 0; d <= longest; d++) levels[d + 1] = levels[d]! + (states += change[d]!);
  const n = levels[longest + 1]!;
  const depth = new Uint8Array(n);
  for (let d = 1; d <= longest; d++) depth.fill(d, levels[d], levels[d + 1]);
  const trie = {
    levels, depth, byteClass: new Uint16Array(256), classes: 1, parentOf: new Int32Array(n), firstChild: new Int32Array(n + 1),
    classOf: new Uint16Array(n), prefixName: new Int32Array(n), matchLength: new Uint8Array(n), matchName: new Int32Array(n).fill(-1),
    group: new Int32Array(n).fill(-1),
  };
  trie.classes = addStates(trie, needles, order, shared, nameOf, grams, gramShift, complete, keyGroup);
  return trie;
}

/**
 * Makes the states in one pass, numbering byte classes as they first occur and setting the prefilter's bits for
 * each state's window (its last 4 bytes: every needle's windows, since one within a shared prefix is set already).
 */
function addStates(trie: Trie, needles: readonly Needle[], order: Int32Array, shared: Int32Array, nameOf: Int32Array, grams: Uint32Array | null, gramShift: number, complete: Uint8Array, keyGroup: Int32Array): number {
  const { byteClass, parentOf, firstChild, classOf, prefixName, matchLength, matchName, group } = trie;
  const next = trie.levels.slice();
  // path[d]: the state at depth d of the needle being added (those of the shared prefix stay from the one before).
  const path = new Int32Array(trie.levels.length);
  let classes = 1;
  firstChild[0] = 1;
  firstChild[parentOf.length] = parentOf.length;
  // A function per needle: V8 compiles a small function called often to machine code sooner than the loop of a
  // larger one (measured: 5 ms of 45 at 4,000 needles).
  const addNeedle = (bytes: Buffer, common: number, name: number, key: number): void => {
    // The window as the matcher reads it, little-endian: first the 3 bytes before the first new state.
    let window = 0;
    for (let d = Math.max(1, common - 2); d <= common; d++) window = (window >>> 8) | (bytes[d - 1]! << 24);
    for (let d = common + 1; d <= bytes.length; d++) {
      const b = bytes[d - 1]!;
      const s = next[d]!++;
      parentOf[s] = path[d - 1]!;
      // The states of depth d + 1 made so far are the children of those before s: s's come next.
      firstChild[s] = next[d + 1]!;
      let c = byteClass[b]!;
      if (c === 0) c = byteClass[b] = classes++;
      classOf[s] = c;
      prefixName[s] = name;
      path[d] = s;
      window = (window >>> 8) | (b << 24);
      if (d >= 4 && grams !== null) {
        const h1 = Math.imul(window, GRAM_HASH_1) >>> gramShift;
        const h2 = Math.imul(window, GRAM_HASH_2) >>> gramShift;
        grams[h1 >>> 5]! |= 1 << (h1 & 31);
        grams[h2 >>> 5]! |= 1 << (h2 & 31);
      }
    }
    const end = path[bytes.length]!;
    if (complete[key] === 1) {
      matchLength[end] = bytes.length;
      matchName[end] = name;
    }
    group[end] = keyGroup[key]!;
  };
  for (let j = 0; j < order.length; j++) addNeedle(needles[order[j]!]!.bytes, shared[j]!, nameOf[order[j]!]!, order[j]!);
  return classes;
}

// In breadth-first order, every state's parent, failure link and their rows are complete before it. A state's
// failure link is the transition from its parent's on its byte (Matcher.push inlines the same steps).
function failureLinks(trie: Trie, denseStates: number): { fail: Int32Array; dense: Int32Array } {
  const { classes, parentOf, firstChild, classOf } = trie;
  const fail = new Int32Array(parentOf.length);
  const dense = new Int32Array(denseStates * classes);
  // A shallow state's row: its failure link's, with its own edges.
  for (let s = 0; s < denseStates; s++) {
    const f = (fail[s] = parentOf[s] === 0 ? 0 : dense[fail[parentOf[s]!]! * classes + classOf[s]!]!);
    dense.copyWithin(s * classes, f * classes, f * classes + classes);
    for (let child = firstChild[s]!; child < firstChild[s + 1]!; child++) dense[s * classes + classOf[child]!] = child;
  }
  deepLinks(trie, fail, dense, denseStates);
  return { fail, dense };
}

// The deeper states' links, and for every state the longest needle it ends through its link, in a function of
// its own: V8 compiles a small loop to machine code sooner.
function deepLinks(trie: Trie, fail: Int32Array, dense: Int32Array, denseStates: number): void {
  const { classes, parentOf, firstChild, classOf, matchLength, matchName } = trie;
  for (let s = 1; s < parentOf.length; s++) {
    let f = fail[s]!;
    // Below the rows: from the parent's failure link down the failure links to the first state with an edge on
    // the state's class (a child of the root fails to the root).
    if (s >= denseStates && parentOf[s] !== 0) {
      const c = classOf[s]!;
      for (let t = fail[parentOf[s]!]!; ; t = fail[t]!) {
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
    }
    if (matchLength[s] === 0 && matchLength[f] !== 0) {
      matchLength[s] = matchLength[f]!;
      matchName[s] = matchName[f]!;
    }
  }
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
