// The boot self-test: a random secret compiled with the real ones must come out masked in every one of its forms,
// written whole and split at every byte, before the function may start (SecretHub's lesson: masking must be seen).
import { createMatcher, type Redaction } from './stream.js';
import { needlesFor, type NeedlePolicy, type Secret } from './needles.js';

/** The canary's key name: it is masked under this name for the rest of the run, and never occurs in real output. */
export const CANARY_NAME = 'sinch-entrypoint-canary';

/**
 * A fresh canary. Its quote, plus and non-ASCII letter give it the families of forms (JSON, URL, base64 of UTF-8);
 * the random part makes it occur nowhere else; short, since every byte of every form is a write of its own below.
 * Math.random, not node:crypto: this is a test, not a key, and loading crypto would cost every start milliseconds.
 */
export function canarySecret(minBytes = 0): Secret {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let random = '';
  // Longer than the shortest masked value, whatever --min-secret-length says.
  for (let i = 0; i < Math.max(10, minBytes); i++) random += alphabet[Math.floor(Math.random() * alphabet.length)];
  return { name: CANARY_NAME, value: `c${random}"é+` };
}

/**
 * Feeds every form of `canary` (which `redaction` must have been compiled with, under `policy`) through the matcher,
 * each between other text, in one write; then the value itself a byte at a time (so split at every byte). Resolves
 * to the description of the first form that came out whole, or undefined when every one was masked. Only the value
 * goes a byte at a time: a write into a held match costs the matcher ~20 us cold, and all forms so (~600 writes)
 * took ~9 ms of every start; this way the whole test takes 3-4 ms (npm run bench:boot measures it).
 */
export function canaryLeak(redaction: Redaction, canary: Secret, policy: NeedlePolicy, mask: string, rawLimit: number): string | undefined {
  const { needles } = needlesFor([canary], policy);
  // The text between the forms ends any match, so one stream holds them all; needles[0] is the value itself.
  const all = Buffer.concat(needles.flatMap((n) => [SEPARATOR, n.bytes]).concat(SEPARATOR));
  const value = Buffer.concat([SEPARATOR, needles[0]!.bytes, SEPARATOR]);
  for (const bytewise of [false, true]) {
    const stream = bytewise ? value : all;
    const matcher = createMatcher(redaction, mask);
    if (matcher === null) return 'every form: nothing was compiled';
    const out: Buffer[] = [];
    if (bytewise) for (let i = 0; i < stream.length; i++) out.push(...matcher.push(stream.subarray(i, i + 1)));
    else out.push(...matcher.push(stream));
    out.push(...matcher.release(rawLimit));
    const output = Buffer.concat(out);
    const leaked = needles.findIndex((n) => output.includes(n.bytes));
    if (leaked >= 0) return `form ${leaked + 1} of ${needles.length} (${needles[leaked]!.bytes.length} bytes), ${bytewise ? 'written a byte at a time' : 'in one write'}`;
  }
  return undefined;
}

const SEPARATOR = Buffer.from(' - ');
