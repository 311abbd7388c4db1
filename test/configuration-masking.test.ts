// Values the configuration knows, masked and kept apart, through the built bin: real files, a real store on 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { needlesFor } from '../src/redact/needles.js';
import { project, run } from './helpers/entrypoint.js';
import { json, startStore, type StoreServer } from './helpers/store-server.js';

/** A child that prints each of `lines` (the values it can get hold of) and then each of `names` from its environment. */
const printing = (lines: string[], names: string[] = []): string[] => [process.execPath, '-e',
  `for (const l of ${JSON.stringify(lines)}) console.log(l); for (const n of ${JSON.stringify(names)}) console.log(n + '=' + (process.env[n] ?? '(unset)'))`];

async function withStore<T>(body: Record<string, unknown>, use: (store: StoreServer) => Promise<T>): Promise<T> {
  const store = await startStore([json(body)]);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

describe('every value a source offers for a key is masked, not only the winner', () => {
  it('environment over .env, a mounted file and the platform store: the function reading the losers prints ***', async () => {
    const losers = { dotenv: 'dotenv-loser-value-8c1f', file: 'file-loser-value-73ab', store: 'store-loser-value-5e2d' };
    await withStore({ secrets: { API_KEY: losers.store } }, async (store) => {
      const dir = project({ secrets: [] });
      writeFileSync(join(dir, '.env'), `API_KEY=${losers.dotenv}\n`);
      mkdirSync(join(dir, 'secrets'));
      writeFileSync(join(dir, 'secrets', 'API_KEY'), `${losers.file}\n`);
      // The function reads .env (dotenv) and the mounted file itself; the store's value stands for one it fetched.
      const child = [process.execPath, '-e', `const fs = require('fs');
        console.log(fs.readFileSync('.env', 'utf8').trim()); console.log(fs.readFileSync('secrets/API_KEY', 'utf8').trim());
        console.log(${JSON.stringify(losers.store)}); console.log('env=' + process.env.API_KEY)`];
      const env = { API_KEY: 'env-winner-value-91d0', SINCH_SECRETS_URL: store.url(), SINCH_SECRETS_TOKEN: 'store-token-0123456789' };
      const { code, stdout, stderr } = await run(['--secrets-dir', 'secrets', '--', ...child], { dir, env });
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'API_KEY=***\n***\n***\nenv=***\n');
    });
  });
});

describe('a name is a variable or a secret', () => {
  const variables = { API_KEY: 'from-sinch-json-1234', PROJECT_ID: 'project-from-sinch-json', COMPANY_NAME: 'Acme' };

  for (const json of [false, true]) {
    it(`check${json ? ' --json' : ''} never shows a secret's value as a variable's, and warns naming the key`, async () => {
      const dir = project({ secrets: ['API_KEY'], sinch: { name: 'clash', variables } });
      const env = { API_KEY: 'sk_env_secret_value_77aa', PROJECT_ID: 'project-id-secret-55bb' };
      const { code, stdout, stderr } = await run(['check', ...(json ? ['--json'] : [])], { dir, env });
      assert.equal(code, 0, stderr);
      for (const value of [...Object.values(env), variables.API_KEY, variables.PROJECT_ID]) assert.ok(!stdout.includes(value), `${value} in:\n${stdout}`);
      assert.match(stderr, /sinch\.json: variables\.API_KEY is a secret's name/);
      assert.match(stderr, /sinch\.json: variables\.PROJECT_ID is a secret's name/);
      if (json) {
        const plan = JSON.parse(stdout) as { variables: { name: string }[]; secrets: { name: string; source: string }[] };
        assert.deepEqual(plan.variables.map((v) => v.name), ['COMPANY_NAME']);
        assert.deepEqual(plan.secrets.filter((s) => ['API_KEY', 'PROJECT_ID'].includes(s.name)), [{ name: 'API_KEY', source: 'env' }, { name: 'PROJECT_ID', source: 'env' }]);
      }
    });
  }

  it('run: the secret wins; with no secret value the variable\'s is used, as a secret (masked)', async () => {
    const dir = project({ secrets: ['API_KEY'], sinch: { name: 'clash', variables } });
    const child = printing([variables.PROJECT_ID], ['API_KEY', 'PROJECT_ID', 'COMPANY_NAME']);
    const secret = 'sk_env_secret_value_77aa';
    const { code, stdout, stderr } = await run(['--', process.execPath, '-e', `${child[2]}; console.log(process.env.API_KEY === ${JSON.stringify(secret)})`], { dir, env: { API_KEY: secret } });
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '***\nAPI_KEY=***\nPROJECT_ID=***\nCOMPANY_NAME=Acme\ntrue\n');
  });

  it("a platform store variable named like one of its secrets is taken as the secret", async () => {
    await withStore({ variables: { DB_PASSWORD: 'store-variable-value-1' }, secrets: { DB_PASSWORD: 'store-secret-value-2' } }, async (store) => {
      const dir = project({ sinch: { name: 'clash' } });
      const env = { SINCH_SECRETS_URL: store.url(), SINCH_SECRETS_TOKEN: 'store-token-0123456789' };
      const check = await run(['check'], { dir, env });
      assert.equal(check.code, 0, check.stderr);
      assert.doesNotMatch(check.stdout, /store-(variable|secret)-value/);
      assert.match(check.stderr, /the platform store's variables\.DB_PASSWORD is a secret's name/);
      const { stdout } = await run(['--', ...printing(['store-variable-value-1'], ['DB_PASSWORD'])], { dir, env });
      assert.equal(stdout, '***\nDB_PASSWORD=***\n');
    });
  });
});

describe("our own settings are never the function's", () => {
  const OWN = ['SINCH_SECRETS_URL', 'SINCH_SECRETS_TOKEN', 'SINCH_SECRETS_TOKEN_FILE'];

  for (const key of OWN) {
    it(`${key} as a sinch.json variable or declared in .env is exit 78 naming the key and the file (run and check)`, async () => {
      const asVariable = project({ sinch: { name: 'own', variables: { [key]: 'sk_own_setting_value' } } });
      const declared = project({ secrets: ['API_KEY', key] });
      for (const [dir, where] of [[asVariable, /sinch\.json: variables: /], [declared, /\.env:2: /]] as const) {
        for (const args of [['--', 'true'], ['check']]) {
          const { code, stdout, stderr } = await run(args, { dir, env: { [key]: 'sk_own_setting_value', API_KEY: 'x'.repeat(12) } });
          assert.equal(code, 78, stderr);
          assert.match(stderr, new RegExp(`${where.source}${key} is the entrypoint's own setting`));
          assert.doesNotMatch(stdout + stderr, /sk_own_setting_value/);
        }
      }
    });
  }

  it("in the platform store's answer is exit 78 naming the key", async () => {
    await withStore({ secrets: { SINCH_SECRETS_TOKEN: 'store-sent-token-value' } }, async (store) => {
      const dir = project();
      const { code, stderr } = await run(['--', 'true'], { dir, env: { SINCH_SECRETS_URL: store.url(), SINCH_SECRETS_TOKEN: 'store-token-0123456789' } });
      assert.equal(code, 78, stderr);
      assert.match(stderr, /the platform store's secrets: SINCH_SECRETS_TOKEN is the entrypoint's own setting/);
    });
  });
});

describe('mounted secret files', () => {
  it('a BOM is stripped and trailing blanks kept; the value and its trimmed form are both masked', async () => {
    const dir = project({ secrets: ['API_KEY'] });
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'API_KEY'), '\uFEFFsk_bom_and_blanks_4242 \t\r\n');
    const child = [process.execPath, '-e', `const v = process.env.API_KEY; console.log(JSON.stringify(v.slice(0, 1) + v.slice(-2)));
      console.log(v.trim()); console.log('[' + require('fs').readFileSync('secrets/API_KEY', 'utf8').trim() + ']')`];
    const { code, stdout, stderr } = await run(['--secrets-dir', 'secrets', '--', ...child], { dir });
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '"s \\t"\n***\n[***]\n');
  });

  it('a file that is not UTF-8 text is kept from the environment (a notice says so) and its bytes reach the redactor', async () => {
    // A DER-like key: bytes no UTF-8 decoder keeps, and a NUL, which no environment can carry.
    const bytes = Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc3, 0x28, 0xff, 0xfe, 0x41, 0x42, 0x43, 0x44, 0x45]);
    const dir = project({ secrets: ['KEYSTORE'] });
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'KEYSTORE'), bytes);
    const { code, stdout, stderr } = await run(['--secrets-dir', 'secrets', '--', ...printing([], ['KEYSTORE'])], { dir });
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'KEYSTORE=(unset)\n');
    assert.match(stderr, /KEYSTORE: its file is not UTF-8 text, so it is not put in the environment/);
  });

  it('a function printing its binary file raw or in base64 is masked', async (t) => {
    const bytes = Buffer.from([0x30, 0x82, 0x01, 0x0a, 0xc3, 0x28, 0xff, 0xfe, 0x80, 0x81, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46]);
    // The needles of a Secret's `bytes` are the redactor's part (src/redact/needles.ts): run once it builds them.
    const raw = needlesFor([{ name: 'K', value: bytes.toString('utf8'), bytes }]).needles.some((n) => n.bytes.equals(bytes));
    if (!raw) return t.skip('needles.ts does not build needles from Secret.bytes yet');
    const dir = project({ secrets: ['KEYSTORE'] });
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'KEYSTORE'), bytes);
    const child = [process.execPath, '-e', `const b = require('fs').readFileSync('secrets/KEYSTORE');
      process.stdout.write(Buffer.concat([Buffer.from('raw:'), b, Buffer.from('\\nbase64:' + b.toString('base64') + '\\n')]))`];
    const { code, stdout, stderr } = await run(['--secrets-dir', 'secrets', '--', ...child], { dir });
    assert.equal(code, 0, stderr);
    // base64 is masked from its first character on: the last one, which also holds padding bits, may stay.
    assert.match(stdout, /^raw:\*\*\*\nbase64:\*\*\*.?=*\n$/);
  });
});
