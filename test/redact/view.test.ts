// The whitespace-blind view: base64 wrapped by real encoders, multi-line secrets rejoined by other whitespace.
// Each case as one write and byte by byte, against the whole-buffer reference and the span it must mask.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import { base64Cores } from '../../src/redact/encodings.js';
import { needlesFor } from '../../src/redact/needles.js';
import { reference } from './reference.js';
import { MASK, streamed } from './streamed.js';

const modes = {
  'one write': () => [] as number[],
  'byte by byte': (input: Buffer) => Array.from({ length: input.length }, (_, i) => i),
};

/** `text` with the original span of every occurrence of `core` (whitespace skipped) replaced by the mask. */
function maskedAcrossWhitespace(text: string, cores: string[]): string {
  const at: number[] = [];
  let stripped = '';
  for (let i = 0; i < text.length; i++) if (!/[ \t\r\n]/.test(text[i]!)) (stripped += text[i]!), at.push(i);
  const covered = new Uint8Array(text.length);
  for (const core of cores) {
    for (let i = stripped.indexOf(core); i !== -1; i = stripped.indexOf(core, i + 1)) covered.fill(1, at[i]!, at[i + core.length - 1]! + 1);
  }
  let out = '';
  for (let i = 0; i < text.length; i++) if (!covered[i]) out += text[i]!;
  else if (i === 0 || !covered[i - 1]) out += '***';
  return out;
}

const SECRET = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'; // 32 bytes: its base64 core is 40-odd characters, split by any wrap
const NON_ASCII = 'pässwörd-€-geheim-🔑-schlüssel';

// A blob as a program would encode it: the secret at every offset within a wrapped line, among other bytes.
const blob = (secret: string, offset: number) => Buffer.from(`${'#'.repeat(offset)}{"user":"app","password":"${secret}"}\nend of the file\n`);
const wrappers: { name: string; encode: (data: Buffer) => string }[] = [
  { name: 'base64 (76 columns)', encode: (data) => execFileSync('base64', { input: data }).toString() },
  { name: 'openssl base64 (64 columns)', encode: (data) => execFileSync('openssl', ['base64'], { input: data }).toString() },
  { name: "Python's base64.encodebytes (76, \\n)", encode: (data) => execFileSync('python3', ['-c', 'import sys,base64; sys.stdout.write(base64.encodebytes(sys.stdin.buffer.read()).decode())'], { input: data }).toString() },
  { name: "Python's MIME body_encode (76, \\r\\n)", encode: (data) => execFileSync('python3', ['-c', "import sys,email.base64mime as m; sys.stdout.write(m.body_encode(sys.stdin.buffer.read(), eol='\\r\\n'))"], { input: data }).toString() },
];

describe('view: wrapped base64', () => {
  for (const { name, encode } of wrappers) {
    for (const secret of [SECRET, NON_ASCII]) {
      // Offsets that put the secret's first bytes at the end of a line, at the start of one, and between.
      const encoded = [0, 1, 2, 3, 20, 37, 40, 41, 42, 43, 44].map((offset) => encode(blob(secret, offset)));
      const { needles } = needlesFor([{ name: 'K', value: secret }]);
      for (const [mode, cuts] of Object.entries(modes)) {
        it(`${name}, ${secret === SECRET ? 'ASCII' : 'non-ASCII'} secret at 11 offsets (${mode})`, () => {
          for (const text of encoded) {
            assert.ok(/\r?\n/.test(text.trimEnd()), 'the encoder wrapped the blob');
            const input = Buffer.from(`log: ${text}done\n`);
            const got = streamed(needles, input, cuts(input)).toString();
            assert.equal(got, maskedAcrossWhitespace(input.toString(), base64Cores(secret)));
            assert.equal(got, reference(input, needles, MASK).toString());
          }
        });
      }
    }
  }
});

// A real PEM key and a real service-account-like JSON file, as secret values whose lines reach the log rejoined.
const dir = mkdtempSync(join(tmpdir(), 'view-test-'));
execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', join(dir, 'key.pem')], { stdio: 'ignore' });
const PEM = readFileSync(join(dir, 'key.pem'), 'utf8').trimEnd();
rmSync(dir, { recursive: true, force: true });
const JSON_FILE = execFileSync('python3', ['-c', `import json; print(json.dumps({"type": "service_account", "project_id": "demo-123", "private_key_id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "client_email": "svc@demo-123.iam.example", "scopes": ["a", "b"]}, indent=2))`]).toString().trimEnd();

const separators: [string, string][] = [
  ['\\r\\r\\n (a PTY)', '\r\r\n'],
  ['a space (a log collector)', ' '],
  ['a lone \\r', '\r'],
  ['\\n and indentation', '\n    '],
  ['a tab', '\t'],
];

describe('view: multi-line secrets rejoined by other whitespace', () => {
  for (const [label, separator] of separators) {
    for (const [mode, cuts] of Object.entries(modes)) {
      it(`a PEM key's lines joined by ${label} (${mode})`, () => {
        const { needles } = needlesFor([{ name: 'KEY', value: PEM }]);
        const input = Buffer.from(`key: ${PEM.split('\n').join(separator)}\nnext line\n`);
        const got = streamed(needles, input, cuts(input)).toString();
        assert.equal(got, 'key: ***\nnext line\n');
        assert.equal(got, reference(input, needles, MASK).toString());
      });
      it(`a JSON file's lines joined by ${label} (${mode})`, () => {
        const { needles } = needlesFor([{ name: 'SA', value: JSON_FILE }]);
        const lines = JSON_FILE.split('\n');
        const input = Buffer.from(`config: ${lines.join(separator)}\nnext line\n`);
        const got = streamed(needles, input, cuts(input)).toString();
        // The first line, `{`, is a word of its own ahead of whitespace: it goes out (at most 3 bytes do, README);
        // the second line, indentation included, is a needle of its own, so the mask starts there.
        assert.equal(got, `config: {${separator}***\nnext line\n`);
        assert.equal(got, reference(input, needles, MASK).toString());
      });
    }
  }

  it('a line is not held for its last letters when they may begin a secret', () => {
    const { needles } = needlesFor([{ name: 'K', value: SECRET }]);
    const matcher = new Matcher(compile(needles), [MASK]);
    // `sk` begins the secret: before the newline it is held; the newline ends a short word, so the line goes out.
    assert.equal(Buffer.concat(matcher.push(Buffer.from('ask'))).toString(), 'a');
    assert.equal(Buffer.concat(matcher.push(Buffer.from('\n'))).toString(), 'sk\n');
    assert.equal(matcher.heldBytes, 0);
  });

  it('nor a long line for the letters of its last word, where only line breaks are skipped', () => {
    const { needles } = needlesFor([{ name: 'K', value: SECRET }]);
    const matcher = new Matcher(compile(needles), [MASK]);
    // A log line of 60 bytes whose last word begins like the secret: its line break lets it out.
    const line = `${'x'.repeat(50)} done; ask`;
    assert.equal(Buffer.concat(matcher.push(Buffer.from(line))).toString(), line.slice(0, -2));
    assert.equal(Buffer.concat(matcher.push(Buffer.from('\n'))).toString(), 'sk\n');
    assert.equal(matcher.heldBytes, 0);
  });
});

describe('view: which whitespace is skipped', () => {
  // A wrapped line of 50 bytes: the secret's base64 starts 30 bytes into it (a start in a shorter word is let out).
  const wrapped = (secret: string, separator: string) => 'A'.repeat(30) + base64Cores(secret)[0]!.replace(/(.{20})/, `$1${separator}`);
  for (const [mode, cuts] of Object.entries(modes)) {
    it(`line breaks always; spaces and tabs only when some secret holds whitespace (${mode})`, () => {
      const alone = needlesFor([{ name: 'K', value: SECRET }]).needles;
      const withPem = needlesFor([{ name: 'K', value: SECRET }, { name: 'KEY', value: PEM }]).needles;
      for (const [separator, needles, masked] of [
        ['\n', alone, true], ['\r\n', alone, true], [' ', alone, false], ['\t', alone, false],
        [' ', withPem, true], ['\t', withPem, true], ['\n', withPem, true],
      ] as const) {
        const input = Buffer.from(`auth: ${wrapped(SECRET, separator)} done\n`);
        const got = streamed(needles, input, cuts(input)).toString();
        assert.equal(got, masked ? `auth: ${'A'.repeat(30)}*** done\n` : input.toString(), JSON.stringify(separator));
        assert.equal(got, reference(input, needles, MASK).toString());
      }
    });
  }
});

describe('view property', () => {
  it('equals the whole-buffer reference with whitespace anywhere in needles, whatever the chunking', () => {
    const value = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'abcAB01+/_-="é€ \n'.split('')), minLength: 4, maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 4, maxLength: 30 }),
    );
    const space = fc.constantFrom(' ', '\t', '\r', '\n', '\r\n', '\r\r\n', '   ', ' '.repeat(70));
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.tuple(fc.nat(40), fc.array(fc.tuple(fc.nat(), space), { maxLength: 4 }))), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (values, parts, cutSeeds) => {
          const { needles } = needlesFor(values.map((v, i) => ({ name: `S${i}`, value: v })));
          fc.pre(needles.length > 0);
          // Filler, and needles with whitespace put in at random places.
          const input = Buffer.concat(parts.map((p) => {
            if (typeof p === 'string') return Buffer.from(p);
            let text = needles[p[0] % needles.length]!.bytes.toString('latin1');
            for (const [at, ws] of p[1]) text = text.slice(0, at % (text.length + 1)) + ws + text.slice(at % (text.length + 1));
            return Buffer.from(text, 'latin1');
          }));
          const cuts = [...new Set(cutSeeds.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          assert.deepEqual(streamed(needles, input, cuts), reference(input, needles, MASK));
        },
      ),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 10_000) / 2) },
    );
  });
});
