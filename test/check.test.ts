// `check` and the boot-time configuration through the built bin: every source, exit codes 64/69/78, no value leaks.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { execa } from 'execa';
import { startKeyring } from './helpers/keyring.js';
import { makeProject, runBin, type BinResult } from './helpers/config-bin.js';
import { json, startStore, status, type StoreServer } from './helpers/store-server.js';

const SINCH_JSON = JSON.stringify({ name: 'check-fn', runtime: 'nodejs20', variables: { COMPANY_NAME: 'Acme Corp', CONVERSATION_APP_ID: 'app-1' } });
const TOKEN = 'platform-token-do-not-print';

/** Asserts none of `values` appears in the process's output. */
function noLeak(r: BinResult, values: string[]): void {
  for (const value of values) assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), `"${value}" leaked:\n${r.stdout}\n${r.stderr}`);
}

const sources = (r: BinResult): Record<string, string> =>
  Object.fromEntries((JSON.parse(r.stdout).secrets as { name: string; source: string }[]).map((s) => [s.name, s.source]));

const keyring = await startKeyring();
if (typeof keyring === 'string') console.log(`# keychain cases skipped: ${keyring}`);
after(async () => {
  if (typeof keyring !== 'string') await keyring.stop();
});

describe('check in development', () => {
  test('every source in one plan: env, .env, files, ~/.sinch/config.json, keychain', { skip: typeof keyring === 'string' ? keyring : false }, async () => {
    if (typeof keyring === 'string') return;
    const dir = makeProject({
      'sinch.json': SINCH_JSON,
      '.env': 'PROJECT_ID=\nPROJECT_ID_API_KEY=\nPROJECT_ID_API_SECRET=\nFROM_ENV=\nFROM_DOTENV=dotenv-value-123\nFROM_FILE=\nFROM_KEYCHAIN=\n',
      'secrets/FROM_FILE': 'file-value-123\n',
      'home/.sinch/config.json': JSON.stringify({ projectId: 'proj-123', keyId: 'key-id-123' }),
    });
    await keyring.secretTool(['store', '--label=t', 'service', 'sinch-cli', 'username', 'custom-PROJECT_ID_API_SECRET'], 'key-secret-123');
    await keyring.secretTool(['store', '--label=t', 'service', 'sinch-cli/check-fn', 'username', 'custom-FROM_KEYCHAIN'], 'keychain-value-123');
    const r = await runBin(['check', '--json', '--secrets-dir', join(dir, 'secrets')], {
      cwd: dir,
      env: { ...keyring.env, HOME: join(dir, 'home'), FROM_ENV: 'env-value-123', FROM_KEYCHAIN: '' },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.deepEqual(sources(r), {
      FROM_DOTENV: 'dotenv', FROM_ENV: 'env', FROM_FILE: 'files', FROM_KEYCHAIN: 'keychain',
      PROJECT_ID: 'sinch-config', PROJECT_ID_API_KEY: 'sinch-config', PROJECT_ID_API_SECRET: 'keychain',
    });
    assert.deepEqual(plan.variables, [
      { name: 'COMPANY_NAME', value: 'Acme Corp', source: 'sinch.json' },
      { name: 'CONVERSATION_APP_ID', value: 'app-1', source: 'sinch.json' },
    ]);
    assert.deepEqual([plan.environment, plan.function, plan.runtime, plan.missing], ['development', 'check-fn', 'nodejs20', []]);
    assert.deepEqual(plan.clients.find((c: { client: string }) => c.client === 'Conversation'), { client: 'Conversation', ready: true, lacks: [] });
    assert.deepEqual(plan.clients.find((c: { client: string }) => c.client === 'SMS').lacks, ['SMS_SERVICE_PLAN_ID']);
    noLeak(r, ['env-value-123', 'dotenv-value-123', 'file-value-123', 'key-secret-123', 'keychain-value-123']);
  });

  test("run's boot self-test ran: one line in the text plan, an object with its cost in --json", async () => {
    const dir = makeProject({ 'sinch.json': SINCH_JSON, '.env': 'GIVEN=a-dotenv-value-123\n' });
    const text = await runBin(['check'], { cwd: dir, env: { HOME: dir } });
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, /^self-test +passed: a test secret masked in every form, whole and split at every byte \(\d+(\.\d+)? ms\)$/m);
    const json = await runBin(['check', '--json'], { cwd: dir, env: { HOME: dir } });
    const { selfTest } = JSON.parse(json.stdout);
    assert.equal(selfTest.passed, true);
    assert.ok(typeof selfTest.ms === 'number' && selfTest.ms > 0 && selfTest.ms < 1000, String(selfTest.ms));
  });

  test('missing declared keys: exit 78 listing every one; the plan still prints; --allow-missing exits 0', async () => {
    const dir = makeProject({ 'sinch.json': SINCH_JSON, '.env': 'ALPHA_KEY=\nBETA_KEY=\nGIVEN=x\n' });
    const r = await runBin(['check', '--json', '--secrets-dir', dir], { cwd: dir });
    assert.equal(r.exitCode, 78);
    assert.match(r.stderr, /error: missing secrets: ALPHA_KEY, BETA_KEY: sinch-entrypoint secrets add ALPHA_KEY, or set it in the environment \(ALPHA_KEY=\.\.\.\), or a file ALPHA_KEY in --secrets-dir \(default: \/run\/secrets\); or start without it: --allow-missing$/m);
    assert.deepEqual(JSON.parse(r.stdout).missing, ['ALPHA_KEY', 'BETA_KEY']);
    assert.equal(sources(r).PROJECT_ID, 'unset');
    assert.match(r.stderr, /^sinch-entrypoint: PROJECT_ID, PROJECT_ID_API_KEY, PROJECT_ID_API_SECRET not found: the Conversation, SMS, Numbers clients will be unavailable$/m);
    const allowed = await runBin(['check', '--allow-missing'], { cwd: dir });
    assert.equal(allowed.exitCode, 0);
    assert.match(allowed.stdout, /ALPHA_KEY +MISSING \(declared in \.env\)/);
  });

  test('no keychain reachable: a notice, then the 0600 file store is used', async () => {
    const dir = makeProject({ 'sinch.json': SINCH_JSON, '.env': 'STORED_KEY=\n' });
    const store = join(dir, '.config', 'sinch-entrypoint', 'check-fn.json');
    mkdirSync(join(store, '..'), { recursive: true });
    writeFileSync(store, JSON.stringify({ STORED_KEY: 'stored-value-123' }), { mode: 0o600 });
    const r = await runBin(['check', '--json'], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(sources(r).STORED_KEY, 'filestore');
    assert.match(r.stderr, new RegExp(`^sinch-entrypoint: no keychain reachable \\(.*\\); using the file store ${store}$`, 'm'));
    chmodSync(store, 0o644);
    const exposed = await runBin(['check'], { cwd: dir });
    assert.equal(exposed.exitCode, 78);
    assert.match(exposed.stderr, /readable by group or others \(mode 0644\)/);
    noLeak(exposed, ['stored-value-123']);
  });

  test('no sinch.json here or in any parent: run, check and redact are exit 78 naming the fix', async () => {
    const dir = makeProject({});
    for (const args of [['check'], ['redact'], ['--', 'true']]) {
      const r = await runBin(args, { cwd: dir });
      assert.deepEqual([r.exitCode, r.stderr.trim()], [78, "sinch-entrypoint: error: no sinch.json in --dir (default: the current directory) or any parent directory: run in the function's folder, or name it with --dir"], args.join(' '));
    }
  });

  test('bad configuration: sinch.json line:column, .env line, --environment (64), SINCH_ENVIRONMENT (78)', async () => {
    const broken = makeProject({ 'sinch.json': '{\n  "name": "x",\n  "variables": {"A": 1,}\n}' });
    const json = await runBin(['check'], { cwd: broken });
    assert.deepEqual([json.exitCode, json.stderr.trim()], [78, `sinch-entrypoint: error: ${join(broken, 'sinch.json')}:3:24: invalid JSON (Expected double-quoted property name)`]);
    const env = makeProject({ 'sinch.json': '{}', '.env': 'OK=\nnot-a-key=1\n' });
    const dotenv = await runBin(['check'], { cwd: env });
    assert.deepEqual([dotenv.exitCode, dotenv.stderr.trim()], [78, `sinch-entrypoint: error: ${join(env, '.env')}:2: the key must match [A-Z0-9_]+ (not shown)`]);
    const flag = await runBin(['check', '--environment', 'staging'], { cwd: env });
    assert.deepEqual([flag.exitCode, flag.stderr.trim()], [64, 'sinch-entrypoint: error: --environment: expected development or production']);
    const variable = await runBin(['check'], { cwd: env, env: { SINCH_ENVIRONMENT: 'staging' } });
    assert.equal(variable.exitCode, 78);
    const timeout = await runBin(['check', '--secrets-timeout', '0'], { cwd: broken });
    assert.deepEqual([timeout.exitCode, timeout.stderr.trim()], [64, 'sinch-entrypoint: error: --secrets-timeout: expected a number from 1 to 2147483647']);
  });
});

describe('check in production (platform store on 127.0.0.1)', () => {
  let server: StoreServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('platform variables override sinch.json; platform secrets fill what env and files lack', async () => {
    server = await startStore([json({ variables: { COMPANY_NAME: 'Acme Platform' }, secrets: { DECLARED: 'platform-secret-1', EXTRA: 'platform-extra-2', PROJECT_ID: 'p', PROJECT_ID_API_KEY: 'k', PROJECT_ID_API_SECRET: 's' } })]);
    const dir = makeProject({ 'sinch.json': SINCH_JSON, '.env': 'DECLARED=\nENV_WINS=\n' });
    const env = { SINCH_SECRETS_URL: server!.url(), SINCH_SECRETS_TOKEN: TOKEN, ENV_WINS: 'from-env-1' };
    const r = await runBin(['check', '--json', '--environment', 'production'], { cwd: dir, env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(sources(r), { DECLARED: 'platform', ENV_WINS: 'env', EXTRA: 'platform', PROJECT_ID: 'platform', PROJECT_ID_API_KEY: 'platform', PROJECT_ID_API_SECRET: 'platform' });
    const company = JSON.parse(r.stdout).variables.find((v: { name: string }) => v.name === 'COMPANY_NAME');
    assert.deepEqual(company, { name: 'COMPANY_NAME', value: 'Acme Platform', source: 'platform' });
    assert.equal(server!.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
    noLeak(r, [TOKEN, 'platform-secret-1', 'platform-extra-2', 'from-env-1']);
  });

  test('store unreachable: exit 69 within --secrets-timeout, one error line naming host and last status, never the token', async () => {
    server = await startStore([status(503)]);
    const dir = makeProject({ 'sinch.json': SINCH_JSON, '.env': 'DECLARED=\n' });
    const env = { SINCH_ENVIRONMENT: 'production', SINCH_SECRETS_URL: server!.url(), SINCH_SECRETS_TOKEN: TOKEN };
    const r = await runBin(['check', '--secrets-timeout', '1500'], { cwd: dir, env });
    assert.equal(r.exitCode, 69);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines.pop()!, new RegExp(`^sinch-entrypoint: error: platform secret store at ${server!.origin.slice(7)} could not be read: HTTP 503 \\(\\d+ attempts in 1\\.\\d s\\)$`));
    // Before it, a notice at each retry: the host and the attempt, nothing else.
    assert.ok(lines.length >= 1, r.stderr);
    for (const line of lines) assert.match(line, new RegExp(`^sinch-entrypoint: waiting for the platform store at ${server!.origin.slice(7)}: attempt \\d+, \\d\\.\\d s of 1\\.5 s \\(last: HTTP 503\\)$`));
    assert.ok(r.ms < 1500 + 2000, `took ${r.ms} ms`);
    noLeak(r, [TOKEN]);
  });

  test('https with a private CA: trusted through NODE_EXTRA_CA_CERTS, refused without it (69)', async (t) => {
    const certs = makeProject({});
    const openssl = await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certs, 'key.pem'), '-out', join(certs, 'cert.pem')], { reject: false });
    if (openssl.exitCode !== 0) return t.skip(`openssl cannot make a test certificate: ${openssl.stderr.split('\n')[0]}`);
    const tls = { key: readFileSync(join(certs, 'key.pem'), 'utf8'), cert: readFileSync(join(certs, 'cert.pem'), 'utf8') };
    server = await startStore([json({ secrets: { DECLARED: 'tls-secret-1' } })], tls);
    const dir = makeProject({ 'sinch.json': SINCH_JSON, '.env': 'DECLARED=\n' });
    const env = { SINCH_ENVIRONMENT: 'production', SINCH_SECRETS_URL: server.url(), SINCH_SECRETS_TOKEN: TOKEN };
    const trusted = await runBin(['check', '--json'], { cwd: dir, env: { ...env, NODE_EXTRA_CA_CERTS: join(certs, 'cert.pem') } });
    assert.equal(trusted.exitCode, 0, trusted.stderr);
    assert.equal(sources(trusted).DECLARED, 'platform');
    const untrusted = await runBin(['check', '--secrets-timeout', '1000'], { cwd: dir, env });
    assert.equal(untrusted.exitCode, 69);
    assert.match(untrusted.stderr, /platform secret store at 127\.0\.0\.1:\d+ could not be read: TLS: DEPTH_ZERO_SELF_SIGNED_CERT \(1 attempt in/);
    noLeak(untrusted, [TOKEN]);
  });

  test('run never starts the child when a secret is missing (78) or the store is unreachable (69)', async () => {
    server = await startStore([status(500)]);
    const dir = makeProject({ 'sinch.json': SINCH_JSON, '.env': 'DECLARED=\n' });
    const marker = join(dir, 'child-started');
    const child = ['--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`];
    const missing = await runBin(['run', '--environment', 'production', '--secrets-dir', dir, ...child], { cwd: dir });
    assert.equal(missing.exitCode, 78, missing.stderr);
    assert.match(missing.stderr, /missing secrets: DECLARED/);
    const env = { SINCH_SECRETS_URL: server!.url(), SINCH_SECRETS_TOKEN: TOKEN };
    const down = await runBin(['run', '--environment', 'production', '--secrets-timeout', '800', ...child], { cwd: dir, env });
    assert.equal(down.exitCode, 69, down.stderr);
    assert.equal(existsSync(marker), false, 'the child was started');
    const allowed = await runBin(['run', '--environment', 'production', '--allow-missing', ...child], { cwd: dir });
    assert.equal(allowed.exitCode, 0, allowed.stderr);
    assert.equal(existsSync(marker), true, 'with --allow-missing the child starts');
  });
});
