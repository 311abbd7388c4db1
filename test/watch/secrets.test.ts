// Rotation through the built bin: a Kubernetes volume's ..data swap and a plain rewrite while the child runs, a
// platform store that starts answering a new value, and --on-secret-change's restart and signal policies.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bin, project, start as startEntrypoint } from '../helpers/entrypoint.js';
import { startStore } from '../helpers/store-server.js';

// A failed assertion must not leave an entrypoint running: the runner would wait for it.
const running: ReturnType<typeof startEntrypoint>[] = [];
const start = (...args: Parameters<typeof startEntrypoint>): ReturnType<typeof startEntrypoint> => {
  const entry = startEntrypoint(...args);
  running.push(entry);
  return entry;
};
afterEach(() => running.splice(0).forEach((entry) => entry.child.kill('SIGKILL')));

const OLD = 'sk_live_rotation_old_0123456789';
const NEW = 'sk_live_rotation_new_9876543210';

/** A Kubernetes Secret volume: KEY -> ..data/KEY, ..data -> ..v1; `swap` makes ..v2 and renames a new link over ..data. */
function volume(values: Record<string, string>): { dir: string; swap(values: Record<string, string>): void } {
  const dir = mkdtempSync(join(tmpdir(), 'volume-'));
  let version = 0;
  const write = (next: Record<string, string>): void => {
    const name = `..v${++version}`;
    mkdirSync(join(dir, name));
    for (const [key, value] of Object.entries(next)) writeFileSync(join(dir, name, key), `${value}\n`);
    symlinkSync(name, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    if (version > 1) rmSync(join(dir, `..v${version - 1}`), { recursive: true });
  };
  write(values);
  for (const key of Object.keys(values)) symlinkSync(join('..data', key), join(dir, key));
  return { dir, swap: write };
}

/** A child that prints its start, each new content of FILE the moment it reads it, and the value it started with. */
const reader = (file: string): string[] => [process.execPath, '-e', `
  const fs = require('fs'); let last = fs.readFileSync(${JSON.stringify(file)}, 'utf8').trim();
  console.log('started ' + process.pid + ' with ' + process.env.API_KEY);
  setInterval(() => { const now = fs.readFileSync(${JSON.stringify(file)}, 'utf8').trim(); if (now !== last) { last = now; console.log('read ' + now + ', was ' + process.env.API_KEY); } }, 2);
  process.on('SIGHUP', () => console.log('SIGHUP'));
  process.on('SIGTERM', () => { console.log('stopping ' + process.pid); process.exit(0); });`];

describe('--watch-secrets: the mounted secrets', () => {
  it("a Kubernetes ..data swap: the value the child reads the moment it appears is masked, and the old one still is", { timeout: 30_000 }, async () => {
    const secrets = volume({ API_KEY: OLD });
    const entry = start(['--secrets-dir', secrets.dir, '--', ...reader(join(secrets.dir, 'API_KEY'))], { dir: project({ secrets: ['API_KEY'] }) });
    await entry.line(/^started \d+ with \*\*\*$/);
    secrets.swap({ API_KEY: NEW });
    assert.equal(await entry.line(/^read .*, was \S+$/), 'read ***, was ***');
    await entry.line(/API_KEY: a new value in the mounted secrets, masked from now on/, 5000, 'stderr');
    // No restart by default: after the pause, a notice that the function keeps its values.
    await entry.line(/API_KEY changed; the function keeps the values it started with \(--on-secret-change none\)/, 5000, 'stderr');
    entry.child.kill('SIGTERM');
    await entry.exit;
    assert.ok(!entry.stdout().includes(NEW) && !entry.stdout().includes(OLD) && !entry.stderr().includes(NEW), entry.stdout());
  });

  it('a plain file renamed over or rewritten in place: what the child reads at once is masked; not with --no-watch-secrets', { timeout: 40_000 }, async () => {
    for (const watching of [true, false]) {
      const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
      const file = join(dir, 'API_KEY');
      writeFileSync(file, OLD);
      // Prints each new content the moment it reads it: a stat of the file before each chunk, not inotify, makes this safe.
      const eager = [process.execPath, '-e', `const fs = require('fs'); let last = fs.readFileSync('${file}', 'utf8');
        console.log('ready'); setInterval(() => { const now = fs.readFileSync('${file}', 'utf8'); if (now !== '' && now !== last) { last = now; console.log('read ' + now); } }, 1);
        process.on('SIGTERM', () => process.exit(0));`];
      const entry = start([watching ? '--watch-secrets' : '--no-watch-secrets', '--secrets-dir', dir, '--', ...eager], { dir: project({ secrets: ['API_KEY'] }) });
      await entry.line(/^ready$/);
      const values = Array.from({ length: 10 }, (_, i) => `${NEW}${i}`);
      for (const [i, value] of values.entries()) {
        if (i % 2 === 0) {
          writeFileSync(join(dir, '.next'), value);
          renameSync(join(dir, '.next'), file);
        } else writeFileSync(file, value);
        await entry.line(new RegExp(`^read (\\*\\*\\*|${value})$`));
        await sleep(30);
      }
      const reads = entry.stdout().match(/^read .*$/gm) ?? [];
      assert.deepEqual(reads, watching ? reads.map(() => 'read ***') : values.map((v) => `read ${v}`), entry.stdout());
      entry.child.kill('SIGTERM');
      await entry.exit;
    }
  });

  it('a binary secret rotated to other bytes of the same lossy text is masked too', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const file = join(dir, 'BIN_KEY');
    const bytes = (from: number): Buffer => Buffer.from(Array.from({ length: 16 }, (_, i) => from + i));
    writeFileSync(file, bytes(0x80));
    const hex = [process.execPath, '-e', `const fs = require('fs'); let last = '';
      setInterval(() => { const now = fs.readFileSync('${file}').toString('hex'); if (now !== last) { last = now; console.log('hex ' + now); } }, 5);
      process.on('SIGTERM', () => process.exit(0));`];
    const entry = start(['--secrets-dir', dir, '--', ...hex], { dir: project({ secrets: ['BIN_KEY'] }) });
    await entry.line(/^hex \*\*\*$/);
    for (const from of [0x90, 0xa0]) {
      writeFileSync(join(dir, '.next'), bytes(from));
      renameSync(join(dir, '.next'), file);
      await sleep(300);
    }
    entry.child.kill('SIGTERM');
    await entry.exit;
    assert.deepEqual(entry.stdout().match(/^hex .*$/gm), ['hex ***', 'hex ***', 'hex ***'], entry.stdout());
  });

  it('--on-secret-change SIGHUP: one signal after a burst of changes settles, none while it goes on', { timeout: 30_000 }, async () => {
    const secrets = volume({ API_KEY: OLD });
    const entry = start(['--secrets-dir', secrets.dir, '--on-secret-change', 'SIGHUP', '--', ...reader(join(secrets.dir, 'API_KEY'))], { dir: project({ secrets: ['API_KEY'] }) });
    await entry.line(/^started/);
    const burstStart = Date.now();
    for (let i = 0; i < 4; i++) {
      secrets.swap({ API_KEY: `${NEW}-${i}` });
      await sleep(300);
    }
    await entry.line(/^SIGHUP$/, 8000);
    assert.ok(Date.now() - burstStart >= 900 + 2000, 'not before 2 s without a change');
    await sleep(2500);
    assert.equal(entry.stdout().match(/^SIGHUP$/gm)?.length, 1, entry.stdout());
    assert.match(entry.stderr(), /API_KEY changed: sending SIGHUP to the function \(--on-secret-change\)/);
    entry.child.kill('SIGTERM');
    await entry.exit;
    assert.ok(!/sk_live_rotation_new/.test(entry.stdout()), entry.stdout());
  });

  it('--on-secret-change restart: the child stopped, then started again with the new value, one at a time; never into a missing key', { timeout: 40_000 }, async () => {
    const secrets = volume({ API_KEY: OLD, OTHER_KEY: 'other-secret-value-1' });
    const entry = start(['--secrets-dir', secrets.dir, '--on-secret-change', 'restart', '--', ...reader(join(secrets.dir, 'API_KEY'))], {
      dir: project({ secrets: ['API_KEY', 'OTHER_KEY'] }),
    });
    const first = Number((await entry.line(/^started \d+ with \S+$/)).split(' ')[1]);
    secrets.swap({ API_KEY: NEW, OTHER_KEY: 'other-secret-value-1' });
    await entry.line(/restarting the function \(API_KEY changed\): stopping the child; SIGKILL in 10 s/, 8000, 'stderr');
    const second = await entry.line(new RegExp(`^started (?!${first}\\b)\\d+ with \\S+$`), 8000);
    assert.match(second, /^started \d+ with \*\*\*$/);
    // The first child had stopped before the second started.
    const out = entry.stdout();
    assert.ok(out.indexOf(`stopping ${first}`) >= 0 && out.indexOf(`stopping ${first}`) < out.indexOf(second), out);
    assert.match(entry.stderr(), /child exited with code 0; restarting the function \(API_KEY changed\)/);
    assert.match(entry.stderr(), /restarted [^]* \(pid \d+\)\n/);
    // OTHER_KEY's file goes: no restart into a configuration without it.
    secrets.swap({ API_KEY: `${NEW}-2` });
    await entry.line(/API_KEY, OTHER_KEY changed, but OTHER_KEY now has no value: not restarting the function, which keeps running as it is/, 8000, 'stderr');
    assert.equal(entry.stdout().match(/^started/gm)?.length, 2);
    entry.child.kill('SIGTERM');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.ok(!entry.stdout().includes(NEW) && !entry.stderr().includes(NEW));
  });

  it('a SIGTERM while a restart stops the child ends the run: no new child, the stop keeps its grace', { timeout: 30_000 }, async () => {
    const secrets = volume({ API_KEY: OLD });
    // The child takes 1 s to stop, so the SIGTERM comes during the restart's stop.
    const slow = [process.execPath, '-e', `console.log('started ' + process.pid); setInterval(() => {}, 1000);
      process.on('SIGTERM', () => setTimeout(() => { console.log('stopped'); process.exit(7); }, 1000));`];
    const entry = start(['--secrets-dir', secrets.dir, '--on-secret-change', 'restart', '--', ...slow], { dir: project({ secrets: ['API_KEY'] }) });
    await entry.line(/^started \d+$/);
    secrets.swap({ API_KEY: NEW });
    await entry.line(/restarting the function \(API_KEY changed\): stopping the child/, 8000, 'stderr');
    entry.child.kill('SIGTERM');
    await entry.line(/SIGTERM: no restart; the child is already stopping/, 5000, 'stderr');
    assert.deepEqual(await entry.exit, { code: 7, signal: null });
    assert.equal(entry.stdout().match(/^started/gm)?.length, 1, entry.stdout());
    assert.match(entry.stdout(), /^stopped$/m);
    assert.doesNotMatch(entry.stderr(), /second SIGTERM|SIGKILL to/);
  });
});

describe('--watch-secrets: the platform store', () => {
  it('answers a new value: masked at once, then the restarted child gets it; If-None-Match, and a 304 changes nothing', { timeout: 40_000 }, async () => {
    let current = { etag: '"v1"', secrets: { API_KEY: OLD } };
    const store = await startStore([(req, res) => {
      if (req.headers['if-none-match'] === current.etag) return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/json', etag: current.etag }).end(JSON.stringify({ secrets: current.secrets }));
    }]);
    const print = [process.execPath, '-e', `console.log('started with ' + process.env.API_KEY); setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));`];
    const entry = start(['--refresh-interval', '1', '--on-secret-change', 'restart', '--', ...print], {
      dir: project({ secrets: ['API_KEY'] }), env: { SINCH_SECRETS_URL: store.url(), SINCH_SECRETS_TOKEN: 'store-token-abcdef123456' },
    });
    await entry.line(/^started with \*\*\*$/);
    await sleep(2500); // two refreshes, both 304
    assert.ok(store.requests.length >= 3, String(store.requests.length));
    assert.deepEqual(store.requests.slice(1).map((r) => r.headers['if-none-match']), store.requests.slice(1).map(() => '"v1"'));
    assert.doesNotMatch(entry.stderr(), /new value|restarting/);
    current = { etag: '"v2"', secrets: { API_KEY: NEW } };
    await entry.line(/API_KEY: a new value in the platform store, masked from now on/, 5000, 'stderr');
    await entry.line(/restarting the function \(API_KEY changed\)/, 8000, 'stderr');
    await sleep(500);
    assert.equal(entry.stdout().match(/^started with \*\*\*$/gm)?.length, 2, entry.stdout());
    entry.child.kill('SIGTERM');
    await entry.exit;
    await store.close();
    assert.ok(!entry.stdout().includes(NEW) && !entry.stderr().includes(NEW) && !entry.stderr().includes('store-token'));
  });

  it('a refresh that fails keeps the running child and warns once, naming the host, never a value', { timeout: 40_000 }, async () => {
    let failing = false;
    const store = await startStore([(_req, res) => {
      if (failing) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ secrets: { API_KEY: OLD } }));
    }]);
    const print = [process.execPath, '-e', `console.log('started ' + process.pid); setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));`];
    const entry = start(['--refresh-interval', '1', '--secrets-timeout', '300', '--on-secret-change', 'restart', '--', ...print], {
      dir: project({ secrets: ['API_KEY'] }), env: { SINCH_SECRETS_URL: store.url(), SINCH_SECRETS_TOKEN: 'store-token-abcdef123456' },
    });
    await entry.line(/^started/);
    failing = true;
    await entry.line(/platform secret store at 127\.0\.0\.1:\d+ could not be read: HTTP 503 .*; the function keeps running with the values it has/, 8000, 'stderr');
    await sleep(2500);
    assert.equal(entry.stderr().match(/could not be read/g)?.length, 1, entry.stderr());
    assert.equal(entry.stdout().match(/^started/gm)?.length, 1);
    entry.child.kill('SIGTERM');
    await entry.exit;
    await store.close();
  });
});

describe('check', () => {
  it('says whether run watches, what, and what a change does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const { spawnSync } = await import('node:child_process');
    const check = (args: string[], mode: string): string =>
      spawnSync(process.execPath, [bin, 'check', '--secrets-dir', dir, ...args], { cwd: project(), encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: mode } }).stdout;
    assert.match(check([], 'production'), /^watching +the mounted secrets as they change \(and every 60 s\); on a change: mask the new values, then nothing more \(--on-secret-change\)$/m);
    assert.match(check(['--on-secret-change', 'SIGHUP', '--refresh-interval', '5'], 'production'), /every 5 s\); on a change: mask the new values, then send it SIGHUP/);
    assert.match(check([], 'development'), /^watching +off \(--watch-secrets; on by default in production\)$/m);
    assert.match(check(['--watch-secrets', '--on-secret-change', 'restart'], 'development'), /then restart the function/);
    const bad = spawnSync(process.execPath, [bin, 'check', '--on-secret-change', 'SIGKILL'], { cwd: project(), encoding: 'utf8' });
    assert.deepEqual([bad.status, bad.stderr.trim()], [64, 'sinch-entrypoint: error: --on-secret-change: expected none, restart or a signal the function handles (SIGHUP, SIGUSR1, SIGUSR2, ...)']);
  });
});
