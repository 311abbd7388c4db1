// The fallback file store on disk: mode 0600, refusal of exposed or foreign files, atomic writes.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EntrypointError } from '../../src/exit-codes.js';
import { fileStorePath, openFileStore } from '../../src/secrets/filestore.js';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'fstore-')), 'sinch-entrypoint', 'my-fn.json');
const refused = (message: RegExp) => (e: unknown) => e instanceof EntrypointError && e.exitCode === 78 && message.test(e.message);

test('path: $XDG_CONFIG_HOME/sinch-entrypoint/<function>.json, default.json without a name', () => {
  assert.equal(fileStorePath('my-fn', { XDG_CONFIG_HOME: '/x' }), '/x/sinch-entrypoint/my-fn.json');
  assert.equal(fileStorePath(undefined, { XDG_CONFIG_HOME: '/x' }), '/x/sinch-entrypoint/default.json');
  assert.match(fileStorePath('f', {}), /\/\.config\/sinch-entrypoint\/f\.json$/);
});

test('set, get, list, delete; the file is 0600 in a 0700 directory and holds only JSON', async () => {
  const path = fresh();
  const store = openFileStore(path);
  assert.equal(await store.get('A'), undefined);
  const made = await store.set('B', 'bee');
  assert.deepEqual({ ...made, notice: made.notice?.replace(path, 'PATH') }, { entry: `file store ${path}`, replaced: false, notice: 'made PATH: the file store keeps values as plain JSON, readable by your user only (mode 0600); a keychain encrypts them' });
  assert.deepEqual(await store.set('B', 'bee'), { entry: `file store ${path}`, replaced: true }, 'said once, when the file is made');
  await store.set('A', 'a "quoted"\nvalue');
  assert.equal(await store.get('A'), 'a "quoted"\nvalue');
  assert.deepEqual(await store.list(), [{ key: 'A', entry: `file store ${path}`, shared: false }, { key: 'B', entry: `file store ${path}`, shared: false }]);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { B: 'bee', A: 'a "quoted"\nvalue' });
  assert.equal(await store.delete('B'), `file store ${path}`);
  assert.equal(await store.delete('B'), undefined);
  assert.deepEqual((await store.list()).map((e) => e.key), ['A']);
  assert.deepEqual(readdirSync(join(path, '..')), ['my-fn.json'], 'no temporary file left behind');
});

test('a group- or world-readable file is refused with the fix, and never read', async () => {
  const path = fresh();
  const store = openFileStore(path);
  await store.set('A', 'secret-value');
  chmodSync(path, 0o644);
  await assert.rejects(store.get('A'), refused(new RegExp(`^${path}: readable by group or others \\(mode 0644\\); run: chmod 600 ${path}$`)));
  chmodSync(path, 0o640);
  await assert.rejects(store.list(), refused(/mode 0640/));
  chmodSync(path, 0o600);
  assert.equal(await store.get('A'), 'secret-value');
});

test('a symlink, a file of another owner, or broken JSON is refused', async (t) => {
  const path = fresh();
  const store = openFileStore(path);
  await store.set('A', 'x');
  const link = join(path, '..', 'link.json');
  symlinkSync(path, link);
  await assert.rejects(openFileStore(link).get('A'), refused(/is a symlink/));
  writeFileSync(path, '{broken', { mode: 0o600 });
  await assert.rejects(store.get('A'), refused(/is not valid JSON$/));
  writeFileSync(path, '{"A": 1}', { mode: 0o600 });
  await assert.rejects(store.get('A'), refused(/A must be a string$/));
  if (process.getuid?.() !== 0) return t.diagnostic('skipped the foreign-owner case: needs root to chown');
  writeFileSync(path, '{}', { mode: 0o600 });
  chownSync(path, 65534, 65534);
  await assert.rejects(store.get('A'), refused(/owned by uid 65534, not by us \(uid 0\)/));
});
