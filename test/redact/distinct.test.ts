// The needles' collector: each distinct byte string once, whatever its length, and the first secret keeps it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Distinct } from '../../src/redact/distinct.js';

describe('distinct needles', () => {
  it('keeps every byte string whole and once, short or long, in shared buffers or its own', () => {
    const found = new Distinct();
    // Lengths around the keyed length and the shared buffers' sizes (16 KiB first, growing), a large one first:
    // none may be cut.
    const lengths = [200_000, 1, 63, 64, 65, 100, 5_000, 20_000, 70_000, 300_000, 1_100_000];
    const keys = lengths.flatMap((n, i) => [String.fromCharCode(65 + i).repeat(n), `${String.fromCharCode(97 + i).repeat(n - 1)}é`]);
    for (const key of keys) found.add('A', key);
    // The same bytes again (from another secret) and strings that share a long key's length and first bytes.
    for (const key of keys) found.add('B', key);
    const twins = lengths.flatMap((n, i) => (n > 64 ? [`${String.fromCharCode(65 + i).repeat(n - 1)}!`] : []));
    for (const key of twins) found.add('C', key);
    const needles = found.take();
    assert.deepEqual(needles.map((n) => n.bytes.toString('latin1')), [...keys, ...twins]);
    assert.deepEqual([...new Set(needles.map((n) => n.name))], ['A', 'C']);

  });
});
