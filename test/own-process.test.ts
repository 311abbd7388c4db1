// What our own process shows besides the child's output: Node's debug lines on our stderr, our initial environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { project, start } from './helpers/entrypoint.js';
import { json, startStore, type StoreServer } from './helpers/store-server.js';

const TOKEN = 'store-bearer-token-4f1c9e';
const SIG = 'signed-url-signature-7d2a8b';
const STORE_SECRET = 'sk_store_value_31e7';

/** A real store on 127.0.0.1, over https with a fresh certificate when `tls` (and openssl can make one). */
async function store(tls: boolean): Promise<{ server: StoreServer; env: Record<string, string> } | undefined> {
  if (!tls) return { server: await startStore([json({ secrets: { API_KEY: STORE_SECRET } })]), env: {} };
  const dir = project();
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  if (made.status !== 0) return undefined;
  const server = await startStore([json({ secrets: { API_KEY: STORE_SECRET } })], { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') });
  return { server, env: { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } };
}

describe("the function's NODE_DEBUG", () => {
  for (const tls of [false, true]) {
    it(`never makes our Node print its debug lines (the store's signed URL) on our stderr, and still reaches the child (${tls ? 'https' : 'http'})`, async (t) => {
      const s = await store(tls);
      if (s === undefined) return t.skip('openssl cannot make a test certificate');
      try {
        const dir = project({ secrets: ['API_KEY'] });
        // The child's own debug output (net) must still come through, as the function asked for it.
        const child = [process.execPath, '-e', "console.log('child sees ' + process.env.NODE_DEBUG); require('net').connect(1, '127.0.0.1').on('error', () => {})"];
        const env = { ...s.env, NODE_DEBUG: 'undici,fetch,http,net,tls,stream,timer', SINCH_SECRETS_URL: s.server.url(`/v1/secrets?X-Amz-Signature=${SIG}`), SINCH_SECRETS_TOKEN: TOKEN };
        const started = start(['--', ...child], { dir, env });
        const { code } = await started.exit;
        const [stdout, stderr] = [started.stdout(), started.stderr()];
        assert.equal(code, 0, stderr);
        assert.equal(s.server.requests.length, 1, 'the store was read');
        assert.equal(stdout, 'child sees undici,fetch,http,net,tls,stream,timer\n');
        for (const leak of [TOKEN, SIG, '/v1/secrets', STORE_SECRET]) assert.ok(!stderr.includes(leak), `${leak} on our stderr:\n${stderr}`);
        const ours = new RegExp(`^[A-Z0-9_]+ (\\x1b\\[\\d+m)?${started.child.pid}(\\x1b\\[\\d+m)?: `, 'm');
        assert.doesNotMatch(stderr, ours);
        assert.match(stderr, /^NET \d+: createConnection/m, "the child's own debug lines are kept");
      } finally {
        await s.server.close();
      }
    });
  }
});

describe('our initial environment, which /proc/<our pid>/environ shows to the function', () => {
  it("holds neither the store's token nor its signed URL once they are read", async (t) => {
    if (process.platform !== 'linux') return t.skip('/proc is Linux');
    const server = await startStore([json({ secrets: { API_KEY: STORE_SECRET } })]);
    try {
      const dir = project({ secrets: ['API_KEY'] });
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${TOKEN}\n`);
      // The function runs as our uid, so it may read our environ; it says only whether our settings are still there.
      const child = [process.execPath, '-e', `const e = require('fs').readFileSync('/proc/' + process.ppid + '/environ', 'latin1');
        console.log(JSON.stringify({ token: e.includes(${JSON.stringify(TOKEN)}), sig: e.includes(${JSON.stringify(SIG)}), host: e.includes('127.0.0.1'),
          other: e.includes('KEEP_ME=kept'), names: e.split('\\0').filter((v) => v.startsWith('SINCH_SECRETS_')).map((v) => v.split('=')[0]).sort() }))`];
      for (const env of [{ SINCH_SECRETS_TOKEN: TOKEN }, { SINCH_SECRETS_TOKEN_FILE: tokenFile }] as Record<string, string>[]) {
        const started = start(['--', ...child], { dir, env: { ...env, KEEP_ME: 'kept', SINCH_SECRETS_URL: server.url(`/v1/secrets?sig=${SIG}`) } });
        const { code } = await started.exit;
        assert.equal(code, 0, started.stderr());
        const seen = JSON.parse(started.stdout()) as Record<string, unknown>;
        assert.deepEqual(seen, { token: false, sig: false, host: false, other: true, names: [Object.keys(env)[0], 'SINCH_SECRETS_URL'].sort() });
      }
    } finally {
      await server.close();
    }
  });

  it('in development too (our settings set but not used), they are blanked there and masked in the output', async (t) => {
    if (process.platform !== 'linux') return t.skip('/proc is Linux');
    const dir = project({ secrets: ['API_KEY'] });
    const child = [process.execPath, '-e', `const e = require('fs').readFileSync('/proc/' + process.ppid + '/environ', 'latin1');
      console.log(e.split('\\0').filter((v) => v.startsWith('SINCH_SECRETS_')).sort().join(' ')); console.log(${JSON.stringify(TOKEN)}, ${JSON.stringify(SIG)})`];
    const started = start(['--', ...child], {
      dir, env: { SINCH_ENVIRONMENT: 'development', API_KEY: STORE_SECRET, SINCH_SECRETS_TOKEN: TOKEN, SINCH_SECRETS_URL: `https://store.example/v1/secrets?sig=${SIG}` },
    });
    const { code } = await started.exit;
    assert.equal(code, 0, started.stderr());
    assert.equal(started.stdout(), 'SINCH_SECRETS_TOKEN= SINCH_SECRETS_URL=\n*** ***\n');
    // The token in its file: read (best effort) and masked too.
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const filed = start(['--', process.execPath, '-e', `console.log(require('fs').readFileSync(${JSON.stringify(tokenFile)}, 'utf8').trim())`], {
      dir, env: { SINCH_ENVIRONMENT: 'development', API_KEY: STORE_SECRET, SINCH_SECRETS_TOKEN_FILE: tokenFile },
    });
    assert.equal((await filed.exit).code, 0, filed.stderr());
    assert.equal(filed.stdout(), '***\n');
  });
});
