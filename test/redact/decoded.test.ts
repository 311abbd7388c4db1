// Values a function decodes itself (literal `\n` escapes, a binary secret file it reads), and the fuzzed property
// over the forms of needles.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { needlesFor, type Secret } from '../../src/redact/needles.js';
import { assertInvariant, streamed } from './streamed.js';

const redact = (secrets: Secret[], input: Buffer): Buffer => streamed(needlesFor(secrets).needles, input);

/** Runs `code` in a child Node with `env` added, and returns its stdout as bytes. */
function node(code: string, env: Record<string, string>): Buffer {
  const run = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, ...env } });
  assert.equal(run.status, 0, run.stderr.toString());
  return run.stdout;
}

// A PEM key's body lines, as a service account's private_key holds them.
const body = Array.from({ length: 4 }, () => randomBytes(48).toString('base64'));
const pem = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----', ''].join('\n');

describe('values the function decodes itself', () => {
  it('a one-line PEM key with literal \\n, turned into lines by key.replace(/\\\\n/g, "\\n"): masked whole and line by line', () => {
    const value = pem.replace(/\n/g, '\\n');
    const out = node('const key = process.env.KEY.replace(/\\\\n/g, "\\n"); console.log(key); console.log(key.split("\\n")[2]);', { KEY: value });
    assert.equal(redact([{ name: 'KEY', value }], out).toString(), '***\n***\n');
  });

  it('a one-line service-account JSON: the private key JSON.parse gives, line by line; \\r\\n and \\t escapes too', () => {
    const account = JSON.stringify({ type: 'service_account', private_key: pem, client_email: 'fn@project.iam.example' });
    const out = node('const { private_key } = JSON.parse(process.env.ACCOUNT); console.log(private_key);', { ACCOUNT: account });
    const shown = redact([{ name: 'ACCOUNT', value: account }], out).toString();
    for (const line of body) assert.ok(!shown.includes(line.slice(0, 8)), shown);
    // A value with \r\n and \t escapes, unescaped the JSON way: masked whole.
    const value = 'first\\tline-of-it\\r\\nsecond-line-here\\r\\nthird';
    const unescaped = node('console.log(JSON.parse(`"${process.env.V}"`));', { V: value });
    assert.equal(redact([{ name: 'V', value }], unescaped).toString(), '***\n');
  });

  it('a binary secret file the function reads itself: its raw bytes, base64 and hex are masked', (t) => {
    const python = spawnSync('python3', ['--version']);
    if (python.status !== 0) return t.skip('no python3 here');
    const dir = mkdtempSync(join(tmpdir(), 'binary-secret-'));
    try {
      // Not UTF-8 (0xff never is): the environment gets the lossy decoding, the file keeps the bytes.
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x80]), randomBytes(29)]);
      writeFileSync(join(dir, 'key'), bytes);
      const code = 'import base64, sys; b = open(sys.argv[1], "rb").read(); o = sys.stdout.buffer; o.write(b + b"\\n" + base64.b64encode(b) + b"\\n" + b.hex().encode() + b"\\n")';
      const run = spawnSync('python3', ['-c', code, join(dir, 'key')]);
      assert.equal(run.status, 0, run.stderr.toString());
      // The base64 keeps its last character (it also encodes padding bits, so no needle holds it) and the padding.
      assert.match(redact([{ name: 'KEY', value: bytes.toString('utf8'), bytes }], run.stdout).toString(), /^\*\*\*\n\*\*\*[\w+/]?=*\n\*\*\*\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Characters on which the forms differ: URL punctuation, quotes, backslash escapes, controls, DEL, non-ASCII.
const alphabet = fc.constantFrom(...'ab!\'()*~/+&=;:@$,% "\\nrt\n\x7f\b\fé😀\ud800'.split(/(?:)/u));
const secret = fc.record({
  value: fc.array(alphabet, { minLength: 4, maxLength: 14 }).map((cs) => cs.join('')),
  bytes: fc.option(fc.uint8Array({ minLength: 4, maxLength: 12 }).map((b) => Buffer.from(b)), { nil: undefined }),
});

describe('forms property', () => {
  it('output never contains a needle and equals the whole-buffer reference, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.nat(200)), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (values, parts, cutSeeds) => {
          const { needles } = needlesFor(values.map(({ value, bytes }, i) => ({ name: `S${i}`, value, ...(bytes && { bytes }) })));
          fc.pre(needles.length > 0);
          assertInvariant(needles, parts, cutSeeds);
        },
      ),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 10_000) / 5) },
    );
  });
});
