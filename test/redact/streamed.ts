// The matcher as the stream drives it, for the redactor's tests: the input in the given chunks, then the release at
// the end of input.
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import type { Needle } from '../../src/redact/needles.js';

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
