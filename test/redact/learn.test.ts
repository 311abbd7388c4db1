// Needles learned by a running matcher (Matcher.learn): table cases as one write and byte by byte, then a fuzzed
// invariant with the learn at any point of the stream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import { needlesFor, type Needle } from '../../src/redact/needles.js';
import { reference } from './reference.js';
import { MASK } from './streamed.js';

const raw = (values: string[], name = 'K'): Needle[] => values.map((v) => ({ bytes: Buffer.from(v), name }));

/** A step of a case: input to push, needles to learn (every learned one so far), or a release at a deadline. */
type Step = string | { learn: string[] } | { release: number };

/** Runs `steps` through a matcher of `first`, each input as one write or byte by byte; returns the whole output. */
function run(first: string[], steps: Step[], bytewise: boolean): string {
  const matcher = new Matcher(compile(raw(first)), [MASK]);
  const out: Buffer[] = [];
  for (const step of steps) {
    if (typeof step === 'string') {
      const input = Buffer.from(step);
      if (bytewise) for (let i = 0; i < input.length; i++) out.push(...matcher.push(input.subarray(i, i + 1)));
      else out.push(...matcher.push(input));
    } else if ('learn' in step) matcher.learn(compile(raw(step.learn, 'L')), [MASK]);
    else out.push(...matcher.release(step.release));
  }
  out.push(...matcher.release(3));
  return Buffer.concat(out).toString();
}

const table: { name: string; first: string[]; steps: Step[]; want: string }[] = [
  {
    name: 'masked from the learn on, not before (those bytes were out)',
    first: ['boot-secret-1'],
    steps: ['a learned-secret-2 b ', { learn: ['learned-secret-2'] }, 'c learned-secret-2 d boot-secret-1'],
    want: 'a learned-secret-2 b c *** d ***',
  },
  {
    name: 'bytes held for a first needle are read by the learned ones too',
    first: ['abcdefgh-boot'],
    steps: ['x abcdefgh-', { learn: ['abcdefgh-new!'] }, 'new! y'],
    want: 'x *** y',
  },
  {
    name: 'a partial match of a first needle goes on across the learn',
    first: ['correct-horse-battery'],
    steps: ['a correct-ho', { learn: ['another-secret'] }, 'rse-battery b'],
    want: 'a *** b',
  },
  {
    name: 'after a release failed closed, the rest of a first secret is still masked',
    first: ['correct-horse-battery'],
    steps: ['a correct-ho', { release: 3 }, { learn: ['another-secret'] }, 'rse-battery b'],
    want: 'a *** b',
  },
  {
    name: 'learning again keeps the needles learned before',
    first: ['boot-secret-1'],
    steps: [{ learn: ['first-learned'] }, 'a first-learned ', { learn: ['first-learned', 'second-learned'] }, 'b first-learned second-learned c'],
    want: 'a *** b *** *** c',
  },
  {
    name: 'a learned needle released in part before the next learn is still masked to its end',
    first: ['boot-secret-1'],
    steps: [{ learn: ['first-learned-secret'] }, 'x first-learned-se', { release: 3 }, { learn: ['first-learned-secret', 'second-one'] }, 'cret y'],
    want: 'x *** y',
  },
  {
    name: 'a learned needle that matches inside held bytes, pending beside a first one',
    first: ['SECRET', 'SECRETXYZ'],
    steps: ['a SECRET', { learn: ['T-and-more'] }, 'X b T-and-more'],
    want: 'a ***X b ***',
  },
];

describe('matcher learn', () => {
  for (const mode of ['one write', 'byte by byte'] as const) {
    for (const c of table) {
      it(`${c.name} (${mode})`, () => assert.equal(run(c.first, c.steps, mode === 'byte by byte'), c.want));
    }
  }

  it('names a learned secret in its mask, and a copy (for our lines) masks it too', () => {
    const matcher = new Matcher(compile(raw(['boot-secret-1'])), [Buffer.from('[K]')]);
    const mask = Buffer.from('[TOKEN]');
    matcher.learn(compile(raw(['oauth-token-abc'], 'TOKEN')), [mask]);
    const out = matcher.push(Buffer.from('t=oauth-token-abc;'));
    assert.equal(Buffer.concat(out).toString(), 't=[TOKEN];');
    assert.equal(matcher.nameOf(out.find((piece) => piece.equals(mask))!), 'TOKEN');
    const own = matcher.fresh();
    assert.equal(Buffer.concat([...own.push(Buffer.from('ours: oauth-token-abc boot-secret-1\n')), ...own.release(0)]).toString(), 'ours: [TOKEN] [K]\n');
  });
});

// The learned values from an alphabet of their own: where none occurs in the input, not even a prefix of one can be
// held there (a held prefix longer than the raw limit fails closed, which learning rightly changes).
const text = fc.string({ minLength: 4, maxLength: 14 });
const learnedText = fc.array(fc.constantFrom(...'αβγδεζηθικλμ'), { minLength: 4, maxLength: 10 }).map((cs) => cs.join(''));

describe('matcher learn property', () => {
  it('from the learn on, no needle of either set comes out, and what came out before it is the first needles\' reference', () => {
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 3 }),
        fc.array(learnedText, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.nat(40)), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        (firstValues, learnedValues, parts, cutSeeds, learnSeed) => {
          const first = needlesFor(firstValues.map((value, i) => ({ name: `F${i}`, value }))).needles;
          const learned = needlesFor(learnedValues.map((value, i) => ({ name: `L${i}`, value }))).needles;
          fc.pre(first.length > 0 && learned.length > 0);
          const all = [...first, ...learned];
          const input = Buffer.concat(parts.map((p) => (typeof p === 'number' ? all[p % all.length]!.bytes : Buffer.from(p))));
          const cuts = [...new Set(cutSeeds.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          const learnAt = cuts.length === 0 ? 0 : cuts[learnSeed % cuts.length]!;
          const matcher = new Matcher(compile(first), first.map(() => MASK));
          const feed = (into: Buffer[], start: number, end: number): void => {
            let from = start;
            for (const cut of [...cuts.filter((c) => c > start && c < end), end]) {
              into.push(...matcher.push(input.subarray(from, cut)));
              from = cut;
            }
          };
          const before: Buffer[] = [];
          const after: Buffer[] = [];
          feed(before, 0, learnAt);
          matcher.learn(compile(learned), learned.map(() => MASK));
          feed(after, learnAt, input.length);
          after.push(...matcher.release(3));
          const output = Buffer.concat([...before, ...after]);
          for (const { bytes } of first) assert.equal(output.indexOf(bytes), -1, 'a first needle survived');
          const afterLearn = Buffer.concat(after);
          for (const { bytes } of learned) assert.equal(afterLearn.indexOf(bytes), -1, 'a learned needle survived the learn');
          // Before the learn, the output is the first needles' reference, byte for byte (what was out cannot change).
          const early = Buffer.concat(before);
          assert.deepEqual(early, reference(input, first, MASK).subarray(0, early.length));
        },
      ),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 10_000) / 2) },
    );
  });
});
