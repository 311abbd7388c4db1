// Long needles: the automaton holds their first PREFIX bytes only, and the rest is followed as it arrives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import { needlesFor, type Needle } from '../../src/redact/needles.js';
import { PREFIX } from '../../src/redact/tails.js';
import { reference } from './reference.js';

const MASK = Buffer.from('***');

function redact(needles: Needle[], input: Buffer, step: number): Buffer {
  const matcher = new Matcher(compile(needles), needles.map(() => MASK));
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; at += step) out.push(...matcher.push(input.subarray(at, at + step)));
  out.push(...matcher.release(3));
  return Buffer.concat(out);
}

const states = (needles: Needle[]): number => {
  const automaton = compile(needles);
  return automaton.fail.length + (automaton.view?.fail.length ?? 0);
};

// A secret file of 580 KB of non-ASCII text (250,000 characters): its forms are ~6 MB of needles.
const big = Array.from({ length: 250_000 }, (_, i) => 'é€ü'[i % 3]).join('');

describe('long needles', () => {
  it('a 580 KB non-ASCII value makes at most PREFIX states per needle (was one per byte: millions)', () => {
    const { needles } = needlesFor([{ name: 'BIG', value: big }]);
    assert.ok(needles.reduce((n, x) => n + x.bytes.length, 0) > 5_000_000);
    assert.ok(states(needles) <= needles.length * PREFIX + 2, `${states(needles)} states for ${needles.length} needles`);
  });

  for (const [mode, step] of [['one write', Infinity], ['in 4 KB writes', 4096], ['byte by byte', 1]] as const) {
    it(`masks the 580 KB value raw, in JSON and in base64 (${mode})`, () => {
      const { needles } = needlesFor([{ name: 'BIG', value: big }]);
      const base64 = Buffer.from(big).toString('base64');
      const input = Buffer.from(`a ${big} b ${JSON.stringify({ v: big })} c ${base64} d\n`);
      // Byte by byte over 5 MB takes long: a slice of the input that still holds the whole raw value.
      const cut = step === 1 ? input.subarray(0, Buffer.byteLength(big) + 4) : input;
      // The last base64 characters hold bits of the padding, not only of the secret: they are not part of a needle.
      const tail = base64.slice(Math.floor((8 * Buffer.byteLength(big)) / 6));
      assert.equal(redact(needles, cut, step).toString(), step === 1 ? 'a *** b' : `a *** b {"v":"***"} c ***${tail} d\n`);
    });
  }

  it('a periodic secret repeated in the input costs linear time and is masked whole', () => {
    const value = 'ab'.repeat(50_000);
    const { needles } = needlesFor([{ name: 'P', value }]);
    // Occurrences overlap at every even offset: one state per needle follows them all.
    const input = Buffer.from(`x ${value}${'ab'.repeat(30_000)}a y\n`);
    // The last `a` ends no occurrence (each ends in `b`).
    const started = performance.now();
    const got = redact(needles, input, 1000);
    assert.ok(performance.now() - started < 5000, 'not quadratic');
    assert.equal(got.toString(), 'x ***a y\n');
  });

  it('a long needle and its prefix-sharing siblings, held then decided, as the reference says', () => {
    const head = 'H'.repeat(PREFIX - 2) + 'ead';
    const needles: Needle[] = [head + '-one-tail', head + '-two-tail', head + '-one'].map((v) => ({ bytes: Buffer.from(v), name: 'K' }));
    for (const text of [`<${head}-one-tail>`, `<${head}-two-tai>`, `<${head}-one-tai>`, `<${head}-one-tail${head}-two-tail>`, `${head}-on`]) {
      const input = Buffer.from(text);
      for (const step of [1, 7, Infinity]) assert.equal(redact(needles, input, step).toString(), reference(input, needles, MASK).toString(), `${text} in steps of ${step}`);
    }
  });
});
