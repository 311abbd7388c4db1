// The precedence table over real sources: first non-empty value wins, the losers are kept to mask, all missing listed.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { envSource } from '../../src/secrets/env.js';
import { filesSource } from '../../src/secrets/files.js';
import { openFileStore } from '../../src/secrets/filestore.js';
import { mapSource, resolveSecrets, storeSource, type SecretSource, type SourceName } from '../../src/secrets/resolve.js';

const KEY = 'STRIPE_SECRET_KEY';
const input = { environment: 'development' as const, variables: {}, required: [KEY], optional: [] };

/** Builds the real source `name` holding `value` for KEY (files and the file store on disk). */
async function realSource(name: SourceName, value: string | undefined): Promise<SecretSource> {
  const held: Record<string, string> = value === undefined ? {} : { [KEY]: value };
  if (name === 'env') return envSource(held);
  if (name === 'files') {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    if (value !== undefined) writeFileSync(join(dir, KEY), `${value}\n`);
    return filesSource(dir);
  }
  if (name === 'filestore') {
    const store = openFileStore(join(mkdtempSync(join(tmpdir(), 'store-')), 'fn.json'));
    if (value !== undefined) await store.set(KEY, value);
    return storeSource(store);
  }
  return mapSource(name, held);
}

for (const [mode, order] of [
  ['development', ['env', 'dotenv', 'files', 'filestore']],
  ['production', ['env', 'dotenv', 'files', 'platform']],
] as const) {
  describe(`precedence (${mode}): ${order.join(' > ')}`, () => {
    // Every subset of sources holding a value: the first in order wins. In even rows the other sources hold an empty
    // value, which counts as none; in odd rows they hold nothing.
    for (let mask = 0; mask < 1 << order.length; mask++) {
      const holders = order.filter((_, i) => mask & (1 << i));
      const expected = (holders[0] ?? 'missing') as SourceName | 'missing';
      test(`held by {${holders.join(', ')}} -> ${expected}`, async () => {
        const sources = await Promise.all(order.map((name) => realSource(name, holders.includes(name) ? `value-from-${name}` : mask % 2 === 0 ? '' : undefined)));
        const resolved = await resolveSecrets(input, sources);
        if (expected === 'missing') {
          assert.deepEqual([resolved.secrets, resolved.missing], [[], [KEY]]);
        } else {
          assert.deepEqual(resolved.secrets, [{ name: KEY, value: `value-from-${expected}`, source: expected }]);
          assert.deepEqual(resolved.missing, []);
        }
      });
    }
  });
}

describe('resolveSecrets', () => {
  test('every source is asked for every key, a lazy one only for keys still pending; every missing key is listed at once', async () => {
    const asked: string[][] = [];
    const recording = (name: SourceName, values: Record<string, string>, lazy = false): SecretSource => ({
      name,
      lazy,
      read: async (keys) => (asked.push([...keys]), mapSource(name, values).read(keys)),
    });
    const resolved = await resolveSecrets(
      { ...input, required: ['A', 'B', 'C', 'D'], optional: ['PROJECT_ID'] },
      [recording('env', { A: 'a' }), recording('files', { B: 'b', A: 'shadowed' }), recording('keychain', { A: 'kept', C: 'c' }, true)],
    );
    assert.deepEqual(asked, [['A', 'B', 'C', 'D', 'PROJECT_ID'], ['A', 'B', 'C', 'D', 'PROJECT_ID'], ['C', 'D', 'PROJECT_ID']]);
    assert.deepEqual(resolved.secrets.map((s) => `${s.name}=${s.value}@${s.source}`), ['A=a@env', 'B=b@files', 'C=c@keychain']);
    // The losing value of A is kept, to be masked: the function can read the mounted file itself.
    assert.deepEqual(resolved.shadowed?.map((s) => `${s.name}=${s.value}@${s.source}`), ['A=shadowed@files']);
    assert.deepEqual([resolved.missing, resolved.missingOptional], [['D'], ['PROJECT_ID']]);
  });

  test('no lazy source is asked once every key has a value', async () => {
    let asked = false;
    const never: SecretSource = { name: 'keychain', lazy: true, read: async () => ((asked = true), {}) };
    await resolveSecrets(input, [envSource({ [KEY]: 'x' }), never]);
    assert.equal(asked, false);
  });
});

describe('env source', () => {
  test('the Sinch CLI CI override fills base credentials; the key itself wins; empty counts as unset', async () => {
    const env = { SINCH_PROJECT_ID: 'proj-alias', PROJECT_ID_API_KEY: 'direct', SINCH_KEY_ID: 'alias-loses', SINCH_KEY_SECRET: 'ks', OTHER: '' };
    assert.deepEqual(await envSource(env).read(['PROJECT_ID', 'PROJECT_ID_API_KEY', 'PROJECT_ID_API_SECRET', 'OTHER', 'SINCH_KEY_ID_X']), {
      PROJECT_ID: 'proj-alias',
      PROJECT_ID_API_KEY: 'direct',
      PROJECT_ID_API_SECRET: 'ks',
    });
  });
});
