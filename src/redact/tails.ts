// Long needles: only their first PREFIX bytes become automaton states; the rest is followed byte by byte.
import type { Needle } from './needles.js';

/**
 * Bytes of a needle that become automaton states (at most 255: a state's depth is a byte). A trie state costs ~30
 * bytes and a 1 MB value has ~10 MB of forms, so whole needles would take ~300 MB; their first 64 bytes already
 * tell them apart from log text, and a needle whose first 64 bytes were found is followed through the rest as it
 * arrives (kept once, as bytes).
 */
export const PREFIX = 64;

/** What the automaton is built from: the short needles and the distinct prefixes of the long ones. */
export interface Keys {
  keys: Needle[];
  /** 1 where the key is a needle itself (it ends a match), 0 where it is only the prefix of long ones. */
  complete: Uint8Array;
  /** The group of long needles a key is the prefix of, or -1. */
  keyGroup: Int32Array;
  /** Long needles, by group: group g is tails[groupStart[g] .. groupStart[g + 1]). */
  tails: Needle[];
  groupStart: Int32Array;
}

/** Splits `needles` (no two alike) into automaton keys and the long needles behind them. */
export function splitLong(needles: readonly Needle[]): Keys {
  let long = 0;
  for (let i = 0; i < needles.length; i++) if (needles[i]!.bytes.length > PREFIX) long++;
  if (long === 0) return { keys: needles as Needle[], complete: new Uint8Array(needles.length).fill(1), keyGroup: new Int32Array(needles.length).fill(-1), tails: [], groupStart: new Int32Array(1) };
  const keys: Needle[] = [];
  const index = new Map<string, number>();
  const complete: number[] = [];
  const keyGroup: number[] = [];
  const members: Needle[][] = [];
  for (const needle of needles) {
    const isLong = needle.bytes.length > PREFIX;
    const bytes = isLong ? needle.bytes.subarray(0, PREFIX) : needle.bytes;
    const id = bytes.toString('latin1');
    let k = index.get(id);
    if (k === undefined) {
      index.set(id, (k = keys.push({ bytes, name: needle.name }) - 1));
      complete.push(0);
      keyGroup.push(-1);
    }
    if (!isLong) {
      complete[k] = 1;
      keys[k] = needle;
    } else {
      if (keyGroup[k]! < 0) keyGroup[k] = members.push([]) - 1;
      members[keyGroup[k]!]!.push(needle);
    }
  }
  const tails: Needle[] = [];
  const groupStart = new Int32Array(members.length + 1);
  members.forEach((group, g) => {
    tails.push(...group);
    groupStart[g + 1] = tails.length;
  });
  return { keys, complete: Uint8Array.from(complete), keyGroup: Int32Array.from(keyGroup), tails, groupStart };
}

/** The long needles as the matcher reads them. */
export interface Tails {
  readonly tails: readonly Buffer[];
  /** Index of each long needle's secret name. */
  readonly tailName: Int32Array;
  readonly groupStart: Int32Array;
}

/**
 * Trackers: each long needle whose first PREFIX bytes the automaton found is followed by Knuth–Morris–Pratt from
 * there, as long as the input's end is a start of it at least PREFIX bytes long (shorter ones the automaton
 * tracks). One state per needle finds every occurrence, overlapping ones too, in amortized constant time per byte:
 * input that repeats a periodic secret (`éééé…`) costs no more than any other. Its failure table (4 bytes a byte)
 * is made the first time a needle is followed. Positions are counts of bytes read (`end` of step).
 */
export class Trackers {
  private active: number[] = [];
  private matched: number[] = [];
  private readonly following: Uint8Array;
  private readonly tables: (Int32Array | undefined)[];

  /** `report(length, name)` gets each occurrence, the last `length` bytes read, in order of its end. */
  constructor(private readonly table: Tails, private readonly report: (length: number, name: number) => void) {
    this.following = new Uint8Array(table.tails.length);
    this.tables = new Array(table.tails.length);
  }

  get count(): number {
    return this.active.length;
  }

  /** Length of the longest start of a long needle that ends the input (0: none). */
  get deepest(): number {
    let m = 0;
    for (let a = 0; a < this.matched.length; a++) m = Math.max(m, this.matched[a]!);
    return m;
  }

  /** Name index of the needle with the deepest start (call only when count > 0). */
  get deepestName(): number {
    let best = 0;
    for (let a = 1; a < this.matched.length; a++) if (this.matched[a]! > this.matched[best]!) best = a;
    return this.table.tailName[this.active[best]!]!;
  }

  /** The first PREFIX bytes of the needles of `group` end the input: follow each from there. */
  begin(group: number): void {
    for (let t = this.table.groupStart[group]!; t < this.table.groupStart[group + 1]!; t++) {
      if (this.following[t] === 1) continue;
      this.following[t] = 1;
      this.tables[t] ??= failure(this.table.tails[t]!);
      this.active.push(t);
      this.matched.push(PREFIX);
    }
  }

  /** Reads `byte`: one step of each followed needle. */
  step(byte: number): void {
    const { tails, tailName } = this.table;
    let live = 0;
    for (let a = 0; a < this.active.length; a++) {
      const t = this.active[a]!;
      const needle = tails[t]!;
      const fail = this.tables[t]!;
      let m = this.matched[a]!;
      // A needle just completed stays the input's deepest start until this byte (held bytes count it as the
      // automaton counts a short needle's final state).
      if (m === needle.length) m = fail[m - 1]!;
      while (m >= PREFIX && needle[m] !== byte) m = fail[m - 1]!;
      if (m >= PREFIX && ++m === needle.length) this.report(m, tailName[t]!);
      if (m < PREFIX) {
        this.following[t] = 0;
        continue;
      }
      this.active[live] = t;
      this.matched[live++] = m;
    }
    this.active.length = this.matched.length = live;
  }

  /** Lets a needle that just completed fall back to its longest border, as step would (see View.push). */
  settle(): void {
    let live = 0;
    for (let a = 0; a < this.active.length; a++) {
      const t = this.active[a]!;
      let m = this.matched[a]!;
      if (m === this.table.tails[t]!.length) m = this.tables[t]![m - 1]!;
      if (m < PREFIX) {
        this.following[t] = 0;
        continue;
      }
      this.active[live] = t;
      this.matched[live++] = m;
    }
    this.active.length = this.matched.length = live;
  }

  /** Stops following every needle (no occurrence can span what came). */
  clear(): void {
    for (const t of this.active) this.following[t] = 0;
    this.active.length = this.matched.length = 0;
  }
}

/** The Knuth–Morris–Pratt failure table: f[i] is the longest proper border of needle[0..i]. */
function failure(needle: Buffer): Int32Array {
  const f = new Int32Array(needle.length);
  for (let i = 1, k = 0; i < needle.length; i++) {
    while (k > 0 && needle[i] !== needle[k]) k = f[k - 1]!;
    if (needle[i] === needle[k]) k++;
    f[i] = k;
  }
  return f;
}
