// The matcher against a whole-buffer reference: table cases as one write and byte by byte, then a fuzzed invariant.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import { needlesFor, type Needle } from '../../src/redact/needles.js';
import { assertInvariant, MASK, streamed } from './streamed.js';

const everyByte = (input: Buffer) => Array.from({ length: input.length }, (_, i) => i);
const raw = (values: string[]): Needle[] => values.map((v) => ({ bytes: Buffer.from(v), name: 'K' }));

const table: { name: string; needles: string[]; input: string; want: string }[] = [
  { name: 'no secret: byte-exact', needles: ['hunter22'], input: 'plain log line\n', want: 'plain log line\n' },
  { name: 'one occurrence', needles: ['hunter22'], input: 'pw=hunter22;\n', want: 'pw=***;\n' },
  { name: 'overlapping needles merge (union, not leftmost-longest)', needles: ['abcd', 'cdef'], input: 'x abcdef y', want: 'x *** y' },
  { name: 'adjacent occurrences merge', needles: ['abcd', 'wxyz'], input: '<abcdwxyz>', want: '<***>' },
  { name: 'self-overlapping needle', needles: ['abab'], input: '.ababab.abab', want: '.***.***' },
  { name: 'prefix of another needle, held then decided', needles: ['SECRET', 'SECRETXYZ'], input: 'a SECRET b SECRETXY c', want: 'a *** b ***XY c' },
  { name: 'longer needle completes', needles: ['SECRET', 'SECRETXYZ'], input: '[SECRETXYZ]', want: '[***]' },
  { name: 'inner match inside a longer candidate', needles: ['bcde', 'abcdefgh'], input: 'abcdefgX', want: 'a***fgX' },
  { name: 'repeated back to back', needles: ['hunter22'], input: 'hunter22hunter22 hunter22', want: '*** ***' },
  { name: 'short held tail at end comes out raw', needles: ['hunter22'], input: 'ends hun', want: 'ends hun' },
  { name: 'long held tail at end is masked', needles: ['hunter22'], input: 'ends hunte', want: 'ends ***' },
  { name: 'NUL, CR and invalid UTF-8 untouched', needles: ['hunter22'], input: 'a\0b\r\n\xff\xfe', want: 'a\0b\r\n\xff\xfe' },
];

describe('matcher', () => {
  for (const mode of ['one write', 'byte by byte'] as const) {
    for (const c of table) {
      it(`${c.name} (${mode})`, () => {
        const input = Buffer.from(c.input, 'latin1');
        const got = streamed(raw(c.needles), input, mode === 'one write' ? [] : everyByte(input));
        assert.equal(got.toString('latin1'), c.want);
      });
    }
  }

  it('holds back only the live depth, not the longest needle', () => {
    const needles = raw(['a-very-long-secret-value-0123456789']);
    const matcher = new Matcher(compile(needles), [MASK]);
    assert.equal(Buffer.concat(matcher.push(Buffer.from('log line ends with a-ve'))).toString(), 'log line ends with ');
    assert.equal(matcher.heldBytes, 4);
    assert.equal(Buffer.concat(matcher.push(Buffer.from('nue\n'))).toString(), 'a-venue\n');
    assert.equal(matcher.heldBytes, 0);
  });

  it('names the secret in the mask', () => {
    const needles: Needle[] = [
      { bytes: Buffer.from('sk_live_abc'), name: 'STRIPE' },
      { bytes: Buffer.from('xoxb-12345'), name: 'SLACK' },
    ];
    const masks = [Buffer.from('[STRIPE]'), Buffer.from('[SLACK]')];
    const matcher = new Matcher(compile(needles), masks);
    const out = Buffer.concat([...matcher.push(Buffer.from('a sk_live_abc b xoxb-12345 c')), ...matcher.release(3)]);
    assert.equal(out.toString(), 'a [STRIPE] b [SLACK] c');
  });

  it('a release fails closed and the rest of the secret stays masked', () => {
    const needles = raw(['correct-horse-battery']);
    const matcher = new Matcher(compile(needles), [MASK]);
    const out = [...matcher.push(Buffer.from('key: correct-ho'))];
    out.push(...matcher.release(3));
    assert.equal(Buffer.concat(out).toString(), 'key: ***');
    out.push(...matcher.push(Buffer.from('rse-battery and more\n')));
    out.push(...matcher.release(3));
    assert.equal(Buffer.concat(out).toString(), 'key: *** and more\n');
  });

  it('counts raw bytes of a partial secret across several releases, also when another secret is masked inside it', () => {
    const needles: Needle[] = ['ABCD', 'CDEFGHIJ'].map((v) => ({ bytes: Buffer.from(v), name: 'K' }));
    const feed = (parts: string[]): string => {
      const matcher = new Matcher(compile(needles), [Buffer.from('*')]);
      return Buffer.concat(parts.flatMap((p) => [...matcher.push(Buffer.from(p)), ...matcher.release(3)])).toString();
    };
    // C and E of CDEFGHIJ went out raw; F and G would make four, so they are masked, and so is the rest.
    assert.equal(feed(['ABC', 'DE', 'FG', 'HIJ']), 'ABC*E*');
    // C, E and F: three raw bytes of CDEFGHIJ, within the limit, so they stay raw.
    assert.equal(feed(['ABC', 'D', 'EF']), 'ABC*EF');
  });

  it('a short release leaks at most the raw limit, then masks the rest', () => {
    const matcher = new Matcher(compile(raw(['correct-horse-battery'])), [MASK]);
    const out = [...matcher.push(Buffer.from('key: cor')), ...matcher.release(3)];
    out.push(...matcher.push(Buffer.from('rect-horse-battery!')), ...matcher.release(3));
    assert.equal(Buffer.concat(out).toString(), 'key: cor***!');
  });
});

// Secrets that stress the matcher: regex metacharacters, quotes, newlines, astral characters, self-overlap,
// and one secret a prefix of another.
const alphabet = fc.constantFrom(...'ab.*+?()[]{}|^$\\"\'\n\r\t =%/é€😀'.split(/(?:)/u));
const secretText = fc.oneof(
  fc.array(alphabet, { minLength: 4, maxLength: 12 }).map((cs) => cs.join('')),
  fc.string({ unit: 'grapheme', minLength: 4, maxLength: 16 }),
  fc.string({ unit: 'binary', minLength: 4, maxLength: 16 }),
  fc.constantFrom('abab', 'ababab', 'aaaa', 'SECRET', 'SECRETXYZ'),
);

describe('releases of one partial secret', () => {
  const secret = 'Q7xZ9kWm2pLr8vTj';
  const run = (writes: string[]): string => {
    const { needles } = needlesFor([{ name: 'TOK', value: secret }]);
    const matcher = new Matcher(compile(needles), needles.map(() => Buffer.from('***')));
    const out: Buffer[] = [];
    // A writer that pauses after every write: each pause is a release at the deadline.
    for (const write of writes) out.push(...matcher.push(Buffer.from(write)), ...matcher.release(3));
    return Buffer.concat(out).toString();
  };

  it('once part of it went out under the mask, the rest does too: raw bytes are only ever a prefix', () => {
    // Before, each later release within the raw limit let 2 bytes from the middle out: 9 of 16 over four prints.
    for (const cut of [['Q', '7xZ9k', 'Wm', '2pLr8vTj\n'], ['Q', '7xZ9kWm', '2p', 'Lr8vTj\n'], ['Q', '7xZ9kWm2pLr', '8v', 'Tj\n']]) {
      assert.equal(run(cut), 'Q***\n', cut.join('|'));
    }
  });

  it('a line break held after a masked secret, then a pause, goes out as it is', () => {
    assert.equal(run([`key ${secret}\n`, 'next line\n']), 'key ***\nnext line\n');
  });
});

describe('matcher property', () => {
  it('whenever held bytes are released, no occurrence shows more than the raw limit', () => {
    // Which input bytes went out raw, read off the matcher's own raw output step: [from, to) in stream offsets.
    const rawRanges = (matcher: Matcher): number[][] => {
      const ranges: number[][] = [];
      const original = (matcher as unknown as { raw: (to: number, chunk: Buffer, base: number) => void }).raw;
      Object.assign(matcher, {
        raw(this: { emitted: number }, to: number, chunk: Buffer, base: number) {
          if (to > this.emitted) ranges.push([this.emitted, to]);
          original.call(this, to, chunk, base);
        },
      });
      return ranges;
    };
    const value = fc.array(fc.constantFrom(...'abcd.+/ =%"é😀\n'.split(/(?:)/u)), { minLength: 4, maxLength: 8 }).map((cs) => cs.join(''));
    // Two secrets where the second begins with the end of the first (`ABCD`, `CDEFGH`) meet in `ABCDEFGH`: one occurrence
    // then runs through the other's mask, the case that raw bytes on both sides of a mask must count together.
    const overlapping = fc.tuple(value, fc.nat(), value).map(([a, k, b]) => [a, a.slice(1 + (k % (a.length - 1))) + b, a + b]);
    fc.assert(
      fc.property(
        overlapping,
        fc.array(fc.oneof(fc.nat(20), fc.constant(-1), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ cut: fc.nat(), release: fc.boolean() }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 5 }),
        ([first, second, both], parts, steps, rawLimit) => {
          const { needles } = needlesFor([{ name: 'S0', value: first! }, { name: 'S1', value: second! }]);
          fc.pre(needles.length > 0);
          const piece = (p: number | string): Buffer =>
            typeof p === 'string' ? Buffer.from(p) : p < 0 ? Buffer.from(both!) : needles[p % needles.length]!.bytes;
          const input = Buffer.concat(parts.map(piece));
          // 0xff never occurs in UTF-8, so the output's other bytes are exactly what went out raw.
          const matcher = new Matcher(compile(needles), needles.map(() => Buffer.from([0xff])));
          const raw = rawRanges(matcher);
          const out: Buffer[] = [];
          let from = 0;
          for (const { cut, release } of [...steps].sort((a, b) => (a.cut % (input.length + 1)) - (b.cut % (input.length + 1)))) {
            const to = cut % (input.length + 1);
            out.push(...matcher.push(input.subarray(from, to)));
            from = to;
            if (release) out.push(...matcher.release(rawLimit));
          }
          out.push(...matcher.push(input.subarray(from)), ...matcher.release(rawLimit));
          // The recorded raw steps are the whole story: nothing reaches the output raw any other way.
          const shownRaw = Buffer.from(Buffer.concat(out).filter((b) => b !== 0xff));
          assert.deepEqual(shownRaw, Buffer.concat(raw.map(([a, b]) => input.subarray(a, b))));
          // Every occurrence of every needle, wherever the parts put it, shows at most rawLimit raw bytes.
          for (const { bytes } of needles) {
            for (let at = input.indexOf(bytes); at !== -1; at = input.indexOf(bytes, at + 1)) {
              const shown = raw.reduce((n, [a, b]) => n + Math.max(0, Math.min(b!, at + bytes.length) - Math.max(a!, at)), 0);
              assert.ok(shown <= rawLimit, `${shown} raw bytes of ${JSON.stringify(bytes.toString())} at ${at}`);
            }
          }
        },
      ),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 10_000) / 2) },
    );
  });

  it('output never contains a needle and equals the whole-buffer reference, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(secretText, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.nat(20)), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (values, parts, cutSeeds) => {
          const secrets = values.map((value, i) => ({ name: `S${i}`, value }));
          const { needles } = needlesFor(secrets);
          fc.pre(needles.length > 0);
          // Input: filler text interleaved with needles (raw and encoded) picked by index.
          assertInvariant(needles, parts, cutSeeds);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 10_000) },
    );
  });
});
