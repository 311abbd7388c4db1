// Long needles: only their first PREFIX bytes become automaton states; the rest is verified byte by byte.
import type { Needle } from './needles.js';

/**
 * Bytes of a needle that become automaton states. A trie state costs ~40 bytes and a 1 MB value has ~20 MB of
 * forms, so whole needles would take ~800 MB; their first 64 bytes already tell them apart from log text, and a
 * candidate that got that far is compared with the rest of its needle as it arrives (kept once, as bytes).
 */
export const PREFIX = 64;

/** Live candidates at most; past this the oldest is masked as far as it matched (fail closed, see Candidates.start). */
const MAX_CANDIDATES = 64;

/** What the automaton is built from: the short needles and the distinct prefixes of the long ones. */
export interface Keys {
  keys: Needle[];
  /** 1 where the key is a needle itself (it ends a match), 0 where it is only the prefix of long ones. */
  complete: Uint8Array;
  /** The group of long needles a key is the prefix of, or -1. */
  keyGroup: Int32Array;
  /** Long needles, by group and within each in byte order: group g is tails[groupStart[g] .. groupStart[g + 1]). */
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
    tails.push(...group.sort((a, b) => Buffer.compare(a.bytes, b.bytes)));
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
 * Candidates: occurrences of a long needle's prefix, each compared with the rest of the needles of its group as
 * bytes arrive. The group is in byte order, so the needles that still agree with the input are one range [lo, hi)
 * that each byte narrows. Work per byte is one step per live candidate, and live candidates are at most
 * MAX_CANDIDATES: linear time. Positions are absolute stream offsets.
 */
export class Candidates {
  private start: number[] = [];
  private lo: number[] = [];
  private hi: number[] = [];
  private matched: number[] = [];

  /** `report(start, end, name)` gets each completed needle, in order of its end. */
  constructor(private readonly table: Tails, private readonly report: (start: number, end: number, name: number) => void) {}

  get count(): number {
    return this.start.length;
  }

  /** Where the oldest live candidate starts (Infinity: none). */
  get oldest(): number {
    return this.start.length > 0 ? this.start[0]! : Infinity;
  }

  /** Name index of the oldest live candidate's first needle (call only when count > 0). */
  get oldestName(): number {
    return this.table.tailName[this.lo[0]!]!;
  }

  /**
   * A prefix of group `group` ends at `end` and began at `start`. Beyond MAX_CANDIDATES (input that repeats a
   * secret's first 64 bytes over and over), the oldest is masked as far as the input matched it: fail closed.
   */
  begin(group: number, start: number, end: number): void {
    if (this.start.length >= MAX_CANDIDATES) {
      this.report(this.start[0]!, end, this.oldestName);
      this.drop(0);
    }
    this.start.push(start);
    this.lo.push(this.table.groupStart[group]!);
    this.hi.push(this.table.groupStart[group + 1]!);
    this.matched.push(PREFIX);
  }

  /** Compares `byte`, which ends at `end`, with every live candidate. */
  step(byte: number, end: number): void {
    const { tails, tailName } = this.table;
    let live = 0;
    for (let c = 0; c < this.start.length; c++) {
      let lo = this.lo[c]!;
      let hi = this.hi[c]!;
      const m = this.matched[c]!;
      while (lo < hi && tails[lo]![m]! < byte) lo++;
      if (lo === hi || tails[lo]![m] !== byte) continue;
      let next = lo + 1;
      while (next < hi && tails[next]![m] === byte) next++;
      hi = next;
      // Every needle in range is longer than m; the shortest, first in byte order, may end here.
      if (tails[lo]!.length === m + 1) this.report(this.start[c]!, end, tailName[lo++]!);
      if (lo === hi) continue;
      this.start[live] = this.start[c]!;
      this.lo[live] = lo;
      this.hi[live] = hi;
      this.matched[live++] = m + 1;
    }
    this.start.length = this.lo.length = this.hi.length = this.matched.length = live;
  }

  /** Forgets every candidate (no occurrence can span what came). */
  clear(): void {
    this.start.length = this.lo.length = this.hi.length = this.matched.length = 0;
  }

  private drop(c: number): void {
    this.start.splice(c, 1);
    this.lo.splice(c, 1);
    this.hi.splice(c, 1);
    this.matched.splice(c, 1);
  }
}
