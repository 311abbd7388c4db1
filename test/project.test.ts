// The configuration cannot surprise: the function's folder is found from a subdirectory, a mode setting the user set
// wins over the mode's default, and settings are not secrets. Through the built bin, as users run it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeProject, runBin } from './helpers/config-bin.js';

const SECRET = 'sk_live_project_test_0123456789';
const printEnv = (...names: string[]) => ['--', process.execPath, '-e', `console.log(${names.map((n) => `process.env.${n}`).join(' + " " + ')})`];

describe('the function found from a subdirectory', () => {
  const dir = makeProject({
    'sinch.json': JSON.stringify({ name: 'found-fn', variables: { COMPANY_NAME: 'Acme' } }),
    '.env': 'STRIPE_SECRET_KEY=\n',
    'src/deep/.keep': '',
  });
  const env = { SINCH_ENVIRONMENT: 'production', STRIPE_SECRET_KEY: SECRET };

  test('run from a subdirectory gets the variables and secrets of the nearest sinch.json, masked, with a notice', async () => {
    const r = await runBin(printEnv('COMPANY_NAME', 'STRIPE_SECRET_KEY'), { cwd: join(dir, 'src', 'deep'), env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'Acme ***');
    assert.match(r.stderr, new RegExp(`using the function in ${dir} \\(the nearest parent with a sinch\\.json\\)`));
  });

  test('--dir naming a subdirectory finds it too; check and redact alike', async () => {
    const sub = join(dir, 'src');
    const check = await runBin(['check', '--dir', sub], { cwd: '/', env });
    assert.equal(check.exitCode, 0, check.stderr);
    assert.match(check.stdout, /STRIPE_SECRET_KEY +from env/);
    const redact = await runBin(['redact', '--quiet'], { cwd: sub, env, input: `key ${SECRET}\n` });
    assert.deepEqual([redact.exitCode, redact.stdout], [0, 'key ***']);
  });
});

describe('mode settings', () => {
  const project = (files: Record<string, string> = {}) => makeProject({ 'sinch.json': JSON.stringify({ name: 'mode-fn' }), ...files });

  test('a NODE_ENV or ASPNETCORE_ENVIRONMENT the user set wins over the mode, with a notice naming both values', async () => {
    const r = await runBin(printEnv('NODE_ENV', 'ASPNETCORE_ENVIRONMENT', 'DOTNET_ENVIRONMENT'), {
      cwd: project(), env: { NODE_ENV: 'production', ASPNETCORE_ENVIRONMENT: 'Staging' },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'production Staging Development');
    assert.match(r.stderr, /NODE_ENV=production \(set by you\) kept over the development mode's NODE_ENV=development/);
    assert.match(r.stderr, /ASPNETCORE_ENVIRONMENT=Staging \(set by you\) kept over the development mode's ASPNETCORE_ENVIRONMENT=Development/);
    // The mode still chooses the stores: development looked for a keychain.
    assert.match(r.stderr, /no keychain reachable/);
  });

  test('a sinch.json variable sets it too; the same value as the mode says nothing', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'mode-fn', variables: { NODE_ENV: 'test' } }) });
    const r = await runBin(printEnv('NODE_ENV'), { cwd: dir, env: { SINCH_ENVIRONMENT: 'production' } });
    assert.deepEqual([r.exitCode, r.stdout], [0, 'test']);
    assert.match(r.stderr, /NODE_ENV=test \(set by you\) kept over the production mode's NODE_ENV=production/);
    const same = await runBin(printEnv('NODE_ENV'), { cwd: project(), env: { SINCH_ENVIRONMENT: 'production', NODE_ENV: 'production' } });
    assert.deepEqual([same.stdout, /kept over/.test(same.stderr)], ['production', false]);
  });

  test('declaring one in .env, where every key is a secret, is exit 78 naming the key and line', async () => {
    const r = await runBin(['--', 'true'], { cwd: project({ '.env': 'STRIPE_SECRET_KEY=\nNODE_ENV=production\n' }), env: { STRIPE_SECRET_KEY: SECRET } });
    assert.equal(r.exitCode, 78, r.stderr);
    assert.match(r.stderr, /\.env:2: NODE_ENV is a setting, not a secret: set it in sinch\.json variables or the environment$/m);
  });
});

describe('settings in .env', () => {
  test('a value that looks like a setting is a warning naming the key, never the value; a secret-like one is not', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'settings-fn' }), '.env': `LOG_LEVEL=info\nPORT=3000\nDEBUG=true\nSTRIPE_SECRET_KEY=${SECRET}\n` });
    const r = await runBin(['check'], { cwd: dir, env: { SINCH_ENVIRONMENT: 'production' } });
    assert.equal(r.exitCode, 0, r.stderr);
    const warned = [...r.stderr.matchAll(/warn: \S+\.env: (\w+) looks like a setting, not a secret/g)].map((m) => m[1]);
    assert.deepEqual(warned, ['LOG_LEVEL', 'PORT', 'DEBUG']);
    assert.match(r.stderr, /put settings in sinch\.json variables/);
    for (const value of ['info', '3000', SECRET]) assert.ok(!r.stderr.includes(` ${value}`), r.stderr);
  });
});

describe('the base credentials notice', () => {
  test('a notice that --quiet silences, and never in redact', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'base-fn' }) });
    const env = { SINCH_ENVIRONMENT: 'production' };
    const loud = await runBin(['--', 'true'], { cwd: dir, env });
    assert.match(loud.stderr, /^sinch-entrypoint: PROJECT_ID, PROJECT_ID_API_KEY, PROJECT_ID_API_SECRET not found/m);
    const quiet = await runBin(['--quiet', '--', 'true'], { cwd: dir, env });
    assert.deepEqual([quiet.exitCode, quiet.stderr], [0, '']);
    const redact = await runBin(['redact'], { cwd: dir, env, input: 'text\n' });
    assert.doesNotMatch(redact.stderr, /PROJECT_ID/);
  });
});

describe('.env read as dotenv reads it', () => {
  test('a quoted value ending in a backslash does not hide the keys after it (they are declared, their values masked)', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'dotenv-fn' }), '.env': 'DATA_DIR="C:\\data\\"\nSTRIPE_SECRET_KEY=\nGREETING="hi there"\n' });
    const check = await runBin(['check', '--json'], { cwd: dir, env: { SINCH_ENVIRONMENT: 'production' } });
    assert.equal(check.exitCode, 78, check.stderr);
    assert.ok(JSON.parse(check.stdout).missing.includes('STRIPE_SECRET_KEY'), check.stdout);
    const r = await runBin(printEnv('STRIPE_SECRET_KEY'), { cwd: dir, env: { SINCH_ENVIRONMENT: 'production', STRIPE_SECRET_KEY: SECRET } });
    assert.deepEqual([r.exitCode, r.stdout], [0, '***']);
  });

  test('a key declared twice: the earlier value is masked too (a reader may keep the first)', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'dotenv-fn' }), '.env': `API_TOKEN=first-value-0123456789\nAPI_TOKEN=${SECRET}\n` });
    const r = await runBin(['--', process.execPath, '-e', 'console.log("first-value-0123456789", process.env.API_TOKEN)'], { cwd: dir, env: { SINCH_ENVIRONMENT: 'production' } });
    assert.deepEqual([r.exitCode, r.stdout], [0, '*** ***']);
    assert.match(r.stderr, /API_TOKEN is declared again \(first on line 1\); the later value wins/);
  });
});

describe('SINCH_SECRETS_STORE', () => {
  test('is read only when a development store is opened: a bad value does not stop production', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'store-fn' }), '.env': 'STRIPE_SECRET_KEY=\n' });
    const production = await runBin(printEnv('STRIPE_SECRET_KEY'), { cwd: dir, env: { SINCH_ENVIRONMENT: 'production', SINCH_SECRETS_STORE: 'bogus', STRIPE_SECRET_KEY: SECRET } });
    assert.deepEqual([production.exitCode, production.stdout], [0, '***']);
    const development = await runBin(['--', 'true'], { cwd: dir, env: { SINCH_SECRETS_STORE: 'bogus' } });
    assert.deepEqual([development.exitCode, development.stderr.trim().split('\n').at(-1)], [78, 'sinch-entrypoint: error: SINCH_SECRETS_STORE: expected auto, keychain or file']);
  });
});
