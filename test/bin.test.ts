// The bin as Node runs it: our bundles load with the code caches the build made for them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { bin } from './helpers/entrypoint.js';

describe('bin/sinch-entrypoint.cjs', () => {
  it('loads each bundle (ours, undici for a platform store, yargs off the plain command line) with its code cache: V8 accepts them', () => {
    // A fresh Node with no flags, as a container starts it (V8 rejects a cache made under other flags).
    const probe = `const { load } = require(${JSON.stringify(bin)});
const { require: bundled, scripts } = load();
if (typeof bundled('undici').request !== 'function') throw new Error('no undici from its bundle');
if (typeof bundled('yargs') !== 'function') throw new Error('no yargs from its bundle');
process.stdout.write(JSON.stringify([...scripts].map(([file, script]) => [file.split('/').pop(), script.cachedDataRejected])));`;
    const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [['sinch-entrypoint.cjs', false], ['undici.cjs', false], ['yargs.cjs', false]]);
  });
});
