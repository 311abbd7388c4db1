// A whole-buffer reference for the matcher: mark every byte any needle covers, then apply the end-of-input rule.
// It derives the whitespace-blind view's needles and rules on its own, from README's "The guarantee".
import type { Needle } from '../../src/redact/needles.js';

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const isLineBreak = (b: number): boolean => b === 0x0d || b === 0x0a;
/**
 * The view's rules: needles of at least 16 bytes without whitespace; it skips line breaks, or all whitespace when
 * some needle of 16 bytes or more without its whitespace holds whitespace; skipped runs up to 64; words of 40.
 */
const VIEW_MIN = 16;
const MAX_WS = 64;
const WRAP = 40;
const SHALLOW = 3;

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
  const start = Math.min(n - depth, viewCover(input, needles, covered));
  let held = start;
  if (held > 0 && held < n && covered[held - 1] && covered[held]) while (held < n && covered[held]) held++;
  // A partial secret that began under a mask stays under it, unless what is held is whitespace alone.
  const blank = input.subarray(held, n).every((b) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a);
  if (n - held > rawLimit || (held > start && !blank)) covered.fill(1, held, n);
  const out: Buffer[] = [];
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && covered[j] === covered[i]) j++;
    out.push(covered[i] ? mask : input.subarray(i, j));
    i = j;
  }
  return Buffer.concat(out);
}

/**
 * The view: with skipped bytes taken out (and runs of more than MAX_WS splitting the input), each occurrence of a
 * view needle covers its original bytes, whitespace included, from the last floor on: a floor is set after a
 * whitespace byte that follows a word shorter than WRAP when the longest start of a view needle that ends there and
 * may go on is at most SHALLOW bytes or lies within that word. Returns where the view's held bytes begin at the end
 * of input (n: none).
 */
function viewCover(input: Buffer, needles: readonly Needle[], covered: Uint8Array): number {
  const view = new Set<string>();
  let skipsBlanks = false;
  for (const { bytes } of needles) {
    const text = bytes.toString('latin1');
    const stripped = text.replace(/[ \t\r\n]/g, '');
    if (stripped.length >= VIEW_MIN) view.add(stripped);
    if (stripped.length >= VIEW_MIN && stripped !== text) skipsBlanks = true;
  }
  const skipped = skipsBlanks ? isSpace : isLineBreak;
  const n = input.length;
  if (view.size === 0) return n;
  const viewNeedles = [...view];
  // Segments of the input between long whitespace runs, each as its stripped text and the offset of each byte.
  const floors = new Float64Array(n + 1); // floors[i]: the floor in force after byte i - 1
  let text = '';
  let at: number[] = [];
  let floor = 0;
  let spaces = 0;
  let run = 0;
  let word = 0;
  // Every (needle, length) whose first `length` bytes end the stripped text: the depth is the longest.
  let partials: [string, number][] = [];
  const depthOf = (): number => partials.reduce((best, [, m]) => Math.max(best, m), 0);
  const segment = (): void => {
    for (const v of viewNeedles) {
      for (let i = text.indexOf(v); i !== -1; i = text.indexOf(v, i + 1)) {
        const end = at[i + v.length - 1]! + 1;
        covered.fill(1, Math.max(at[i]!, floors[end - 1]!), end);
      }
    }
  };
  for (let i = 0; i < n; i++) {
    const b = input[i]!;
    if (skipped(b)) {
      if (run > 0) word = run;
      run = 0;
      if (++spaces > MAX_WS) {
        segment();
        text = '';
        at = [];
        partials = [];
        floor = i + 1;
      } else {
        // Whitespace: only starts that may go on stay live.
        partials = partials.filter(([v, m]) => m < v.length);
        const d = depthOf();
        if (word < WRAP && (d <= SHALLOW || d <= word)) floor = i + 1;
      }
    } else {
      spaces = 0;
      // A word ends at any whitespace, skipped or not (a space in line-break mode).
      if (isSpace(b)) {
        if (run > 0) word = run;
        run = 0;
      } else run++;
      const c = String.fromCharCode(b);
      partials = partials.filter(([v, m]) => m < v.length && v[m] === c).map(([v, m]) => [v, m + 1]);
      for (const v of viewNeedles) if (v[0] === c) partials.push([v, 1]);
      text += c;
      at.push(i);
    }
    floors[i] = floor;
  }
  segment();
  const d = depthOf();
  return d === 0 ? n : Math.max(at[text.length - d]!, floor);
}
