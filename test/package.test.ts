// The package as users install it (npm pack, then npm install of the tarball), run under every Node release that
// `engines` admits and .ci/node-releases lists: a code cache made by another Node must never crash a start.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
const nodesDir = process.env.SINCH_TEST_NODES ?? join(root, '.ci', 'nodes');
const releases = readFileSync(join(root, '.ci', 'node-releases'), 'utf8').split('\n').filter((line) => /^\d/.test(line));
const secret = 'sk_live_package_test_0123456789';

/** The tarball installed as a production image installs it: no optional keyring binding, no scripts. */
function install(): string {
  const work = mkdtempSync(join(tmpdir(), 'package-'));
  const npm = (args: string[], cwd: string): string => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
  // The suite has just built dist/: pack it as it is.
  const tarball = join(work, JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root))[0].filename);
  npm(['install', '--prefix', join(work, 'image'), '--omit=optional', '--ignore-scripts', '--offline', tarball], work);
  return join(work, 'image', 'node_modules', 'sinch-entrypoint');
}

/** A function's folder: one declared secret, one variable. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'package-project-'));
  writeFileSync(join(dir, 'sinch.json'), JSON.stringify({ name: 'package-test', variables: { COMPANY_NAME: 'Acme' } }));
  writeFileSync(join(dir, '.env'), 'STRIPE_SECRET_KEY=\n');
  return dir;
}

/** The four commands a user meets first, run by `node` from the installed package: each works and masks. */
function commands(node: string, pkg: string): void {
  const dir = project();
  const env = { PATH: process.env.PATH!, HOME: dir, SINCH_ENVIRONMENT: 'production', STRIPE_SECRET_KEY: secret };
  const entry = (args: string[], input?: string): SpawnSyncReturns<string> =>
    spawnSync(node, [join(pkg, 'bin', 'sinch-entrypoint.cjs'), ...args], { cwd: dir, env, input, encoding: 'utf8', timeout: 30_000 });
  const help = entry(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /sinch-entrypoint/);
  const redact = entry(['redact', '--quiet'], `charge with ${secret} now\n`);
  assert.deepEqual([redact.status, redact.stdout, redact.stderr], [0, 'charge with *** now\n', '']);
  const run = entry(['--quiet', '--', node, '-e', 'console.log(process.version, process.env.STRIPE_SECRET_KEY, process.env.COMPANY_NAME)']);
  assert.deepEqual([run.status, run.stdout], [0, `${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} *** Acme\n`]);
  assert.doesNotMatch(run.stderr, /error/); // a warning that the SDK credentials are absent, nothing else
  const check = entry(['check']);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /STRIPE_SECRET_KEY +from env/);
  assert.ok(!check.stdout.includes(secret) && !check.stderr.includes(secret));
}

const cacheKey = (pkg: string): string => {
  const cache = readFileSync(join(pkg, 'dist', 'sinch-entrypoint.cjs.cache'));
  return cache.subarray(0, cache.indexOf(0x0a)).toString('latin1');
};

describe('installed from a git URL', () => {
  // npm clones the committed tree (HEAD: CI's clean clone), installs its build tools and runs `prepare` to build it.
  const skip = existsSync(join(root, '.git')) ? false : 'not a git checkout';
  it('npm builds it from the clone, and the installed bin runs, masks and checks', { skip, timeout: 170_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), 'package-git-'));
    execFileSync('npm', ['install', '--prefix', work, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `git+file://${root}`], { cwd: work, encoding: 'utf8' });
    const pkg = join(work, 'node_modules', 'sinch-entrypoint');
    assert.ok(existsSync(join(pkg, 'dist', 'sinch-entrypoint.cjs')), 'prepare built dist/');
    assert.ok(!existsSync(join(pkg, 'src')), 'only the files the package lists');
    commands(process.execPath, pkg);
  });
});

describe('the packed package under other Node releases', () => {
  const missing = releases.filter((release) => !existsSync(join(nodesDir, release, 'bin', 'node')));
  const skip = missing.length > 0 ? `Node ${missing.join(', ')} not in ${nodesDir} (.ci/run installs them)` : false;
  const pkg = skip ? '' : install();

  it('ships the bin, the bundles with the packing Node\'s caches, the cache maker and the licence, and no dependency', { skip }, () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    assert.deepEqual(manifest.dependencies ?? {}, {});
    assert.deepEqual(Object.keys(manifest.optionalDependencies), ['@lydell/node-pty', '@napi-rs/keyring']);
    assert.ok(existsSync(join(pkg, 'LICENSE')));
    assert.ok(!existsSync(join(pkg, 'node_modules')), 'the image install brings no package of ours');
    assert.match(cacheKey(pkg), new RegExp(`^sinch-entrypoint code cache 1 ${process.version} `));
  });

  for (const release of releases) {
    it(`Node ${release}: --help, redact, run and check work from the tarball install, before and after its own cache is made`, { skip }, () => {
      const node = join(nodesDir, release, 'bin', 'node');
      const own = mkdtempSync(join(tmpdir(), `package-${release}-`));
      cpSync(pkg, own, { recursive: true });
      commands(node, own); // with the caches of the Node that packed it: not given to V8
      // What the postinstall does under the installing Node.
      const made = spawnSync(node, [join(own, 'scripts', 'code-cache.cjs'), '--install'], { encoding: 'utf8', env: { PATH: process.env.PATH! } });
      assert.deepEqual([made.status, made.stderr], [0, '']);
      assert.match(cacheKey(own), new RegExp(`^sinch-entrypoint code cache 1 v${release.replaceAll('.', '\\.')} `));
      const probe = `const { scripts } = require(${JSON.stringify(join(own, 'bin', 'sinch-entrypoint.cjs'))}).load();
process.stdout.write(String([...scripts.values()][0].cachedDataRejected));`;
      writeFileSync(join(own, 'probe.cjs'), probe);
      assert.equal(execFileSync(node, [join(own, 'probe.cjs')], { encoding: 'utf8', env: { PATH: process.env.PATH! } }), 'false', 'V8 takes the cache made for it');
      commands(node, own);
    });
  }
});
