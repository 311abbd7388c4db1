// Mounted secret files on real directories, including the Kubernetes `..data` symlink layout under rotation.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { EntrypointError } from '../../src/exit-codes.js';
import { filesSource, secretsDir } from '../../src/secrets/files.js';
import { bin } from '../helpers/entrypoint.js';

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'secrets-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** A Kubernetes Secret volume: KEY -> ..data/KEY, ..data -> ..v0/, as the kubelet lays it out. */
function k8sVolume(keys: string[], version = 'v0'): string {
  const d = dir();
  mkdirSync(join(d, `..${version}`));
  for (const key of keys) {
    writeFileSync(join(d, `..${version}`, key), `${version}\n`);
    symlinkSync(join('..data', key), join(d, key));
  }
  symlinkSync(`..${version}`, join(d, '..data'));
  return d;
}

test('one file per key, one trailing newline trimmed, lower-case fallback, empty file is no value', async () => {
  const d = dir({ A: 'alpha\n', B: 'two lines\nkept\r\n', c_key: 'lower\n', EMPTY: '', D: 'x\n\n' });
  const found = await filesSource(d).read(['A', 'B', 'C_KEY', 'EMPTY', 'D', 'ABSENT']);
  assert.deepEqual(found, { A: 'alpha', B: 'two lines\nkept', C_KEY: 'lower', EMPTY: '', D: 'x\n' });
});

test('Kubernetes layout: values come through ..data, dot-entries are never keys', async () => {
  const d = k8sVolume(['TOKEN', 'OTHER']);
  assert.deepEqual(await filesSource(d).read(['TOKEN', 'OTHER', '..data']), { TOKEN: 'v0', OTHER: 'v0' });
});

test('Kubernetes rotation: every read sees one version for all keys, never a mix', async (t) => {
  const keys = ['A', 'B', 'C'];
  const d = k8sVolume(keys);
  const rotator = execa('node', [join(import.meta.dirname, '../fixtures/k8s-rotate.mjs'), d, ...keys], { env: { K8S_FIRST: '..v0' }, reject: false });
  t.after(() => rotator.kill());
  await new Promise((resolve) => rotator.stdout?.once('data', resolve));
  const source = filesSource(d);
  const versions = new Set<string>();
  const until = Date.now() + 600;
  let reads = 0;
  while (Date.now() < until) {
    const found = await source.read(keys);
    reads++;
    assert.deepEqual(Object.keys(found), keys, `read ${reads} lost a key during a swap`);
    assert.ok(found.A === found.B && found.B === found.C, `mixed versions in one read: ${JSON.stringify(found)}`);
    versions.add(found.A as string);
  }
  assert.ok(versions.size > 3, `the volume rotated only ${versions.size} times during ${reads} reads`);
});

test('a directory where a key should be is exit 78 naming the path', async () => {
  const d = dir();
  mkdirSync(join(d, 'KEY'));
  await assert.rejects(filesSource(d).read(['KEY']), (e: unknown) =>
    e instanceof EntrypointError && e.exitCode === 78 && e.message === `${join(d, 'KEY')}: is not a regular file`);
});

test('--secrets-dir must be a directory (never echoed); without it /run/secrets is used only when present', () => {
  const d = dir();
  assert.equal(secretsDir(d), d);
  writeFileSync(join(d, 'a-file'), 'x');
  for (const bad of [join(d, 'nope_sk_live_typed'), join(d, 'a-file')]) {
    assert.throws(() => secretsDir(bad), (e: unknown) => e instanceof EntrypointError && e.exitCode === 78 && e.message === '--secrets-dir: not a directory');
  }
  assert.equal(secretsDir(undefined), existsSync('/run/secrets') ? '/run/secrets' : undefined);
});

test('a root-owned 0400 file read as another uid (an image run as `node`): exit 78 naming the file and the uid that needs access', async (t) => {
  if (process.getuid!() !== 0) return t.skip('needs root to make a file another uid cannot read');
  const d = mkdtempSync(join(tmpdir(), 'secrets-eacces-'));
  chmodSync(d, 0o755);
  writeFileSync(join(d, 'STRIPE_SECRET_KEY'), 'sk_live_unreadable_0123456789\n', { mode: 0o400 });
  const project = mkdtempSync(join(tmpdir(), 'secrets-eacces-project-'));
  chmodSync(project, 0o755);
  writeFileSync(join(project, 'sinch.json'), '{}');
  writeFileSync(join(project, '.env'), 'STRIPE_SECRET_KEY=\n');
  const result = await execa('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', process.execPath, bin, '--quiet', '--environment', 'production', '--secrets-dir', d, '--dir', project, '--', 'true'], {
    reject: false,
    env: { PATH: process.env.PATH, HOME: project },
    extendEnv: false,
  });
  assert.equal(result.exitCode, 78);
  assert.equal(
    result.stderr,
    `sinch-entrypoint: error: ${join(d, 'STRIPE_SECRET_KEY')}: cannot be read (EACCES): uid 1000 (gid 1000) needs read access to it (mount it owned by that uid or readable by that gid: Kubernetes fsGroup, a --secret's uid=)`,
  );
});

test('a BOM is stripped like a final newline; a file that is not UTF-8 text (or holds a NUL) comes with its bytes', async () => {
  const binary = Buffer.from([0xff, 0xfe, 0x41, 0x0a]);
  const withNul = Buffer.from('abc\0def\n');
  const d = dir({ BOM: '\uFEFFvalue \n', TEXT: 'caf\u00e9\n' });
  writeFileSync(join(d, 'BINARY'), binary);
  writeFileSync(join(d, 'NUL'), withNul);
  const found = await filesSource(d).read(['BOM', 'TEXT', 'BINARY', 'NUL']);
  assert.deepEqual(found, { BOM: 'value ', TEXT: 'caf\u00e9', BINARY: { value: '\uFFFD\uFFFDA', bytes: binary }, NUL: { value: 'abc\0def', bytes: withNul } });
});
