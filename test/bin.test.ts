// The bin as Node runs it: our bundles load with the code caches the build made for them.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { bin } from './helpers/entrypoint.js';

const dist = join(dirname(bin), '..', 'dist');

/** A package root holding only the bin and an empty dist/. */
function copyOfBin(): string {
  const root = mkdtempSync(join(tmpdir(), 'bin-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist'));
  copyFileSync(bin, join(root, 'bin', 'sinch-entrypoint.cjs'));
  return root;
}

describe('bin/sinch-entrypoint.cjs', () => {
  /** Loads the three bundles as `entry` does, in a fresh Node with `execArgv` and `env`; what V8 said of each cache. */
  function probe(execArgv: string[], env: Record<string, string> = {}, entry = bin): Record<string, boolean | string> {
    const file = join(mkdtempSync(join(tmpdir(), 'bin-probe-')), 'probe.cjs');
    writeFileSync(file, `const { load } = require(${JSON.stringify(entry)});
const { require: bundled, scripts } = load();
if (typeof bundled('undici').request !== 'function') throw new Error('no undici from its bundle');
if (typeof bundled('yargs') !== 'function') throw new Error('no yargs from its bundle');
process.stdout.write(JSON.stringify([...scripts].map(([file, script]) => [file.split('/').pop(), script.cachedDataRejected ?? 'none'])));`);
    const result = spawnSync(process.execPath, [...execArgv, file], { encoding: 'utf8', env: { PATH: process.env.PATH!, ...env } });
    assert.equal(result.status, 0, result.stderr);
    return Object.fromEntries(JSON.parse(result.stdout));
  }

  it('loads each bundle (ours, undici for a platform store, yargs off the plain command line) with its code cache: V8 accepts them', () => {
    // A fresh Node with no flags, as a container starts it.
    assert.deepEqual(probe([]), { 'sinch-entrypoint.cjs': false, 'undici.cjs': false, 'yargs.cjs': false });
  });

  it('gives V8 no cache made under other flags or NODE_OPTIONS: the bundles compile as usual', () => {
    const none = { 'sinch-entrypoint.cjs': 'none', 'undici.cjs': 'none', 'yargs.cjs': 'none' };
    assert.deepEqual(probe(['--stack-size=900']), none);
    assert.deepEqual(probe([], { NODE_OPTIONS: '--max-old-space-size=300' }), none);
  });

  it('gives V8 no cache whose first line names another Node (as a package packed elsewhere has): it runs, uncached', () => {
    const root = copyOfBin();
    for (const file of ['sinch-entrypoint.cjs', 'undici.cjs', 'yargs.cjs']) {
      copyFileSync(join(dist, file), join(root, 'dist', file));
      const cache = readFileSync(join(dist, `${file}.cache`));
      const key = cache.subarray(0, cache.indexOf(0x0a) + 1).toString('latin1');
      assert.match(key, new RegExp(`^sinch-entrypoint code cache 1 ${process.version} `));
      // Another release of the same V8: the case V8 itself cannot tell apart.
      writeFileSync(join(root, 'dist', `${file}.cache`), Buffer.concat([Buffer.from(key.replace(process.version, 'v20.19.0')), cache.subarray(key.length)]));
    }
    assert.deepEqual(probe([], {}, join(root, 'bin', 'sinch-entrypoint.cjs')), { 'sinch-entrypoint.cjs': 'none', 'undici.cjs': 'none', 'yargs.cjs': 'none' });
    const help = spawnSync(process.execPath, [join(root, 'bin', 'sinch-entrypoint.cjs'), '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /sinch-entrypoint/);
  });

  it('a bundle missing from dist/ is one line naming it and exit 70, for the main bundle and for yargs\'', () => {
    const root = copyOfBin();
    const help = (): SpawnSyncReturns<string> => spawnSync(process.execPath, [join(root, 'bin', 'sinch-entrypoint.cjs'), '--help'], { encoding: 'utf8', cwd: root });
    const none = help();
    assert.equal(none.status, 70);
    assert.equal(none.stderr, `sinch-entrypoint: cannot load ${join(root, 'dist', 'sinch-entrypoint.cjs')} (ENOENT): run npm run build\n`);
    for (const file of ['sinch-entrypoint.cjs', 'sinch-entrypoint.cjs.cache']) copyFileSync(join(dist, file), join(root, 'dist', file));
    const noYargs = help();
    assert.equal(noYargs.status, 70);
    assert.equal(noYargs.stderr, `sinch-entrypoint: error: internal error: cannot load ${join(root, 'dist', 'yargs.cjs')} (ENOENT): run npm run build\n`);
  });
});
