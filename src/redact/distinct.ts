// The needles of needlesFor as they are found: each distinct byte string once, written into shared buffers.
import type { Needle } from './needles.js';

/** Bytes of the first shared buffer and of the largest (each 4 times the last); a quarter of it or more: its own. */
const FIRST_SLAB = 16 << 10;
const SLAB = 1 << 20;
/** Needles longer than this are told apart by their length and first bytes, then compared whole. */
const KEYED = 64;
const EMPTY = Buffer.alloc(0);

/**
 * Collects needles, dropping repeats. A needle comes as a byte string (a char per byte); a long one is written into
 * a buffer at once, so that the string dies young: keeping them all as the keys of a Map until the end held a second
 * copy of every needle (20 MB for 1,000 secrets of 1 KiB) in the heap at the peak.
 */
export class Distinct {
  private readonly needles: Needle[] = [];
  /**
   * Short needles by their bytes (kept anyway, so written all at once at the end, in the order of `shortAt`); long
   * ones by length and first bytes, to their indexes in `needles`.
   */
  private readonly short = new Set<string>();
  private readonly shortAt: number[] = [];
  private readonly long = new Map<string, number[]>();
  private slab = Buffer.alloc(0);
  private used = 0;

  /** Adds `key` (a byte string) as a needle of `name`, unless some secret has it already (the first keeps it). */
  add(name: string, key: string): void {
    if (key.length <= KEYED) {
      if (this.short.has(key)) return;
      this.short.add(key);
      this.shortAt.push(this.needles.length);
      this.needles.push({ bytes: EMPTY, name });
      return;
    }
    const bytes = this.write(key);
    // A string of the first bytes made from the buffer, not a slice of `key` (which would keep `key` alive).
    const id = `${key.length}:${bytes.toString('latin1', 0, KEYED)}`;
    const same = this.long.get(id);
    if (same?.some((i) => this.needles[i]!.bytes.equals(bytes))) {
      if (bytes.buffer === this.slab.buffer) this.used -= bytes.length;
      return;
    }
    if (same) same.push(this.needles.length);
    else this.long.set(id, [this.needles.length]);
    this.needles.push({ bytes, name });
  }

  /** The needles, in the order they came. */
  take(): Needle[] {
    // One native write for all the short ones: a write per needle cost a third of needlesFor for 1,000 secrets.
    const all = Buffer.from([...this.short].join(''), 'latin1');
    let at = 0;
    let k = 0;
    for (const key of this.short) this.needles[this.shortAt[k++]!]!.bytes = all.subarray(at, (at += key.length));
    return this.needles;
  }

  private write(key: string): Buffer {
    if (key.length > SLAB / 4) return Buffer.from(key, 'latin1');
    if (this.used + key.length > this.slab.length) {
      this.slab = Buffer.allocUnsafe(Math.max(key.length, Math.min(SLAB, Math.max(FIRST_SLAB, 4 * this.slab.length))));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.slab.write(key, start, 'latin1');
    return this.slab.subarray(start, this.used);
  }
}
