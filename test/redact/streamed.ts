// The matcher as the stream drives it, for the redactor's tests: the input in the given chunks, then the release at
// the end of input.
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import assert from 'node:assert/strict';
import type { Needle } from '../../src/redact/needles.js';
import { reference } from './reference.js';

export const MASK = Buffer.from('***');

/** Feeds `input` to a fresh matcher cut at `cuts`, releases at the end, and returns the whole output. */
export function streamed(needles: Needle[], input: Buffer, cuts: number[] = [], rawLimit = 3): Buffer {
  const matcher = new Matcher(compile(needles), needles.map(() => MASK));
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    out.push(...matcher.push(input.subarray(from, cut)));
    from = cut;
  }
  out.push(...matcher.release(rawLimit));
  return Buffer.concat(out);
}

/**
 * The fuzzed invariant: the input made of `parts` (filler text, or the index of a needle to put in) and cut at
 * `cutSeeds` comes out as the whole-buffer reference says, and no needle is left in it.
 */
export function assertInvariant(needles: Needle[], parts: (string | number)[], cutSeeds: number[]): void {
  const input = Buffer.concat(parts.map((p) => (typeof p === 'number' ? needles[p % needles.length]!.bytes : Buffer.from(p))));
  const cuts = [...new Set(cutSeeds.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const got = streamed(needles, input, cuts);
  assert.deepEqual(got, reference(input, needles, MASK));
  for (const { bytes } of needles) assert.equal(got.indexOf(bytes), -1, 'a needle survived');
}
