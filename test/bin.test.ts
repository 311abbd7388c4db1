// The bin as Node runs it: the bundle loads with the code cache the build made for it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { bin } from './helpers/entrypoint.js';

describe('bin/sinch-entrypoint.cjs', () => {
  it('loads the bundle with its code cache: V8 accepts it, so no start compiles our code', () => {
    // A fresh Node with no flags, as a container starts it (V8 rejects a cache made under other flags).
    const probe = `const { load, codeCache } = require(${JSON.stringify(bin)});
const { script } = load(require('node:fs').readFileSync(codeCache));
process.stdout.write(String(script.cachedDataRejected));`;
    const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'false');
  });
});
