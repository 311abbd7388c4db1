// Which needles the whitespace-blind view matches (view.ts), derived from the needles alone.
import type { Needle } from './needles.js';

/**
 * Shortest needle the view matches, in bytes without whitespace: with whitespace skipped, words of a log line run
 * together, and a 16-byte string (96 bits of base64) no longer occurs in them by chance; the 8 bytes of an exact
 * form would.
 */
export const VIEW_MIN = 16;

/** ASCII whitespace, the bytes the view skips: 1 for space, tab, CR and LF. */
export const WHITESPACE = new Uint8Array(256);
for (const b of [0x20, 0x09, 0x0d, 0x0a]) WHITESPACE[b] = 1;

/**
 * Splits `needles` between the two automata. The view gets, without their whitespace, the needles in the base64
 * alphabet (encoders wrap them at 64 or 76 columns) and those with whitespace (the lines of a PEM key or JSON file,
 * rejoined by whatever a terminal or a log collector puts between them). A needle without whitespace is found by
 * the view wherever the exact automaton would find it, so it is compiled into the view only: each needle costs
 * states once. Needles with whitespace stay exact as well, for the runs of whitespace longer than the view bridges.
 */
export function splitView(needles: readonly Needle[]): { exact: Needle[]; view: Needle[] } {
  const exact: Needle[] = [];
  const view: Needle[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < needles.length; i++) {
    const needle = needles[i]!;
    const { bytes } = needle;
    let spaced = false;
    let base64 = bytes.length >= VIEW_MIN;
    for (let j = 0; j < bytes.length && (base64 || !spaced); j++) {
      const b = bytes[j]!;
      if (WHITESPACE[b]) spaced = true;
      if (BASE64[b] === 0) base64 = false;
    }
    if (base64) {
      view.push(needle);
      continue;
    }
    exact.push(needle);
    if (!spaced) continue;
    const stripped = Buffer.from(bytes.filter((b) => WHITESPACE[b] === 0));
    const key = stripped.toString('latin1');
    if (stripped.length >= VIEW_MIN && !seen.has(key)) {
      seen.add(key);
      view.push({ bytes: stripped, name: needle.name });
    }
  }
  // A stripped form may equal a base64 needle already in the view: keep one of the two.
  if (seen.size === 0) return { exact, view };
  const unique = new Map<string, Needle>();
  for (const needle of view) {
    const key = needle.bytes.toString('latin1');
    if (!unique.has(key)) unique.set(key, needle);
  }
  return { exact, view: [...unique.values()] };
}

/** The base64 and base64url alphabets: letters, digits, `+ / - _`. */
const BASE64 = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') BASE64[c.charCodeAt(0)] = 1;
