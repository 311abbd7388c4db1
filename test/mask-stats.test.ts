// What was masked, told at the child's exit, in --stats-file and (in development) where the function printed it:
// key names and counts only. Through the built bin with real children.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bin, project } from './helpers/entrypoint.js';

const stripe = 'sk_live_stats_test_0123456789';
const db = 'db-password-stats-9876543210';
const script = `console.log('boot'); console.log('key', process.env.STRIPE_SECRET_KEY); console.error(process.env.STRIPE_SECRET_KEY);
console.log('line 3'); console.log(process.env.STRIPE_SECRET_KEY, process.env.DB_PASSWORD);`;

function go(args: string[], mode: string, code = script) {
  const dir = project({ secrets: ['STRIPE_SECRET_KEY', 'DB_PASSWORD'] });
  const r = spawnSync(process.execPath, [bin, ...args, '--', process.execPath, '-e', code], {
    encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: mode, STRIPE_SECRET_KEY: stripe, DB_PASSWORD: db },
  });
  return { ...r, dir };
}

describe('mask counts', () => {
  it('one notice at the exit with the counts per key and stream, most masked first', () => {
    const r = go([], 'production');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'boot\nkey ***\nline 3\n*** ***\n');
    assert.match(r.stderr.trim().split('\n').at(-1)!, /^sinch-entrypoint: masked STRIPE_SECRET_KEY 3x \(stdout 2, stderr 1\), DB_PASSWORD 1x$/);
    assert.ok(!r.stderr.includes(stripe) && !r.stderr.includes(db));
  });

  it('in JSON, one object with the counts and the deadline releases', () => {
    const r = go(['--log-format', 'json'], 'production');
    const last = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
    assert.equal(last.msg, 'masked STRIPE_SECRET_KEY 3x (stdout 2, stderr 1), DB_PASSWORD 1x');
    assert.deepEqual(last.masked, { STRIPE_SECRET_KEY: { stdout: 2, stderr: 1, total: 3 }, DB_PASSWORD: { stdout: 1, stderr: 0, total: 1 } });
    assert.equal(last.failClosedReleases, 0);
  });

  it('nothing masked: no such notice', () => {
    const r = go([], 'production', "console.log('nothing secret')");
    assert.doesNotMatch(r.stderr, /masked/);
  });

  it('a secret cut off by a pause longer than --hold-ms counts as a release that failed closed', () => {
    const code = `process.stdout.write('token: ' + process.env.STRIPE_SECRET_KEY.slice(0, 12)); setTimeout(() => console.log(process.env.STRIPE_SECRET_KEY.slice(12)), 300)`;
    const r = go(['--log-format', 'json', '--hold-ms', '50'], 'production', code);
    assert.doesNotMatch(r.stdout, /sk_live/);
    const last = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
    assert.ok(last.releases >= 1 && last.failClosedReleases >= 1 && last.heldBytesReleased >= 12, JSON.stringify(last));
  });

  it('--stats-file: the same counts as JSON, written at exit', () => {
    const r = go(['--stats-file', 'stats.json'], 'production');
    const stats = JSON.parse(readFileSync(join(r.dir, 'stats.json'), 'utf8'));
    assert.deepEqual(stats.masked.STRIPE_SECRET_KEY, { stdout: 2, stderr: 1, total: 3 });
    assert.ok(!readFileSync(join(r.dir, 'stats.json'), 'utf8').includes(stripe));
    const bad = go(['--stats-file', '/nonexistent/dir/stats.json'], 'production');
    assert.equal(bad.status, 0, 'the exit code stays the child\'s');
    assert.match(bad.stderr, /warn: --stats-file: cannot write it \(ENOENT\)/);
    assert.ok(!existsSync('/nonexistent/dir/stats.json'));
  });
});

describe('where the function printed a secret (development)', () => {
  it('the first mask of each key, once, with its stream and line; never in production', () => {
    const r = go([], 'development');
    const hints = r.stderr.split('\n').filter((line) => line.includes('the function printed'));
    assert.deepEqual(hints, [
      'sinch-entrypoint: the function printed STRIPE_SECRET_KEY (stdout, line 2 of its output): masked; find and fix that log statement',
      'sinch-entrypoint: the function printed DB_PASSWORD (stdout, line 4 of its output): masked; find and fix that log statement',
    ]);
    assert.doesNotMatch(go([], 'production').stderr, /the function printed/);
  });

  it('also when the first mask is the end of the output (a child killed mid-secret)', () => {
    const code = "process.stdout.write('token: ' + process.env.STRIPE_SECRET_KEY.slice(0, 16)); process.kill(process.pid, 'SIGKILL')";
    const r = go(['--hold-ms', '10000'], 'development', code);
    assert.equal(r.status, 137, r.stderr);
    assert.equal(r.stdout, 'token: ***');
    assert.match(r.stderr, /the function printed STRIPE_SECRET_KEY \(stdout, line 1 of its output\)/);
  });
});
