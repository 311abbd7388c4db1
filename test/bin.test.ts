// The bin as Node runs it: our bundles load with the code caches the build made for them.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

  it('a bundle missing from dist/ is one line naming it and exit 70, for the main bundle and for yargs\'', () => {
    const root = mkdtempSync(join(tmpdir(), 'bin-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist'));
    copyFileSync(bin, join(root, 'bin', 'sinch-entrypoint.cjs'));
    const help = (): SpawnSyncReturns<string> => spawnSync(process.execPath, [join(root, 'bin', 'sinch-entrypoint.cjs'), '--help'], { encoding: 'utf8', cwd: root });
    const none = help();
    assert.equal(none.status, 70);
    assert.equal(none.stderr, `sinch-entrypoint: cannot load ${join(root, 'dist', 'sinch-entrypoint.cjs')} (ENOENT): run npm run build\n`);
    for (const file of ['sinch-entrypoint.cjs', 'sinch-entrypoint.cjs.cache']) copyFileSync(join(dirname(bin), '..', 'dist', file), join(root, 'dist', file));
    const noYargs = help();
    assert.equal(noYargs.status, 70);
    assert.equal(noYargs.stderr, `sinch-entrypoint: error: internal error: cannot load ${join(root, 'dist', 'yargs.cjs')} (ENOENT): run npm run build\n`);
  });
});
