// A whole-buffer reference for the matcher: mark every byte any needle covers, then apply the end-of-input rule.
import type { Needle } from '../../src/redact/needles.js';

/** What the streaming matcher must output for `input`, given as one buffer with `mask` for every masked run. */
export function reference(input: Buffer, needles: readonly Needle[], mask: Buffer, rawLimit = 3): Buffer {
  const n = input.length;
  const covered = new Uint8Array(n);
  for (const { bytes } of needles) {
    for (let at = input.indexOf(bytes); at !== -1; at = input.indexOf(bytes, at + 1)) covered.fill(1, at, at + bytes.length);
  }
  // End of input: the held bytes are the longest suffix that is a proper start of some needle (the automaton's
  // depth), less any part already under a mask that began before it; more than rawLimit of them are masked, and
  // so are any when that partial needle began under a mask.
  let depth = 0;
  for (const { bytes } of needles) {
    for (let d = Math.min(bytes.length, n); d > depth; d--) {
      if (input.subarray(n - d).equals(bytes.subarray(0, d))) {
        depth = d;
        break;
      }
    }
  }
  const start = n - depth;
  let held = start;
  if (held > 0 && held < n && covered[held - 1] && covered[held]) while (held < n && covered[held]) held++;
  // A partial secret that began under a mask stays under it.
  if (n - held > rawLimit || held > start) covered.fill(1, held, n);
  const out: Buffer[] = [];
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && covered[j] === covered[i]) j++;
    out.push(covered[i] ? mask : input.subarray(i, j));
    i = j;
  }
  return Buffer.concat(out);
}
