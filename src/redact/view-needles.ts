// Which needles the whitespace-blind view matches (view.ts), derived from the needles alone.
import type { Needle } from './needles.js';

/**
 * Shortest needle the view matches, in bytes without whitespace: with whitespace skipped, words of a log line run
 * together, and a 16-byte string (96 bits of base64) does not occur in them by chance; the 8 bytes of an exact
 * form could.
 */
export const VIEW_MIN = 16;

/** ASCII whitespace: 1 for space, tab, CR and LF. */
export const WHITESPACE = new Uint8Array(256);
for (const b of [0x20, 0x09, 0x0d, 0x0a]) WHITESPACE[b] = 1;

/** Line breaks: 1 for CR and LF, what wrapping encoders (base64 at 64 or 76 columns, MIME) and a PTY put in. */
export const LINE_BREAKS = new Uint8Array(256);
for (const b of [0x0d, 0x0a]) LINE_BREAKS[b] = 1;

/**
 * Splits `needles` between the two automata and says which bytes the view skips. The view gets every needle of at
 * least VIEW_MIN bytes without its whitespace: encoders wrap base64 at 64 or 76 columns, and a terminal or a log
 * collector rejoins the lines of a PEM key or JSON file with whatever whitespace it likes. A needle without
 * whitespace is found by the view wherever the exact automaton would find it, so it is compiled into the view only:
 * each needle costs states once, and a typical set of secrets (every form of 16 bytes or more) needs one pass over
 * the stream, not two. Needles with whitespace stay exact as well (for runs of whitespace longer than the view
 * bridges), and so do short ones.
 *
 * The view skips line breaks only, unless some secret holds whitespace itself (its lines may come back joined by
 * spaces or tabs): then every ASCII whitespace byte. Skipping spaces costs the prefilter a byte-wise window on the
 * fifth of a log's words that hold one; a line break is in one word of thirty.
 */
export function splitView(needles: readonly Needle[]): { exact: Needle[]; view: Needle[]; skip: Uint8Array } {
  const exact: Needle[] = [];
  const view: Needle[] = [];
  const stripped: Needle[] = [];
  for (let i = 0; i < needles.length; i++) {
    const needle = needles[i]!;
    const { bytes } = needle;
    if (bytes.length < VIEW_MIN) {
      exact.push(needle);
      continue;
    }
    let spaces = 0;
    for (let j = 0; j < bytes.length; j++) spaces += WHITESPACE[bytes[j]!]!;
    if (spaces === 0) {
      view.push(needle);
      continue;
    }
    exact.push(needle);
    if (bytes.length - spaces >= VIEW_MIN) stripped.push({ bytes: strip(bytes, bytes.length - spaces), name: needle.name });
  }
  // A stripped form may equal another needle of the view, or another stripped form: keep one (compared by length
  // first, so that a large value is not turned into a string to be a key).
  const byLength = new Map<number, Buffer[]>();
  for (const { bytes } of stripped) byLength.set(bytes.length, []);
  for (const { bytes } of view) byLength.get(bytes.length)?.push(bytes);
  for (const needle of stripped) {
    const same = byLength.get(needle.bytes.length)!;
    if (same.some((bytes) => bytes.equals(needle.bytes))) continue;
    same.push(needle.bytes);
    view.push(needle);
  }
  return { exact, view, skip: stripped.length > 0 ? WHITESPACE : LINE_BREAKS };
}

/** `bytes` without their whitespace (`length` bytes remain). */
function strip(bytes: Buffer, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0, j = 0; i < bytes.length; i++) if (WHITESPACE[bytes[i]!] === 0) out[j++] = bytes[i]!;
  return out;
}
