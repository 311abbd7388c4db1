// The keychain against the real Secret Service (gnome-keyring on a private D-Bus), cross-checked with secret-tool.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execa } from 'execa';
import { EntrypointError } from '../../src/exit-codes.js';
import { keychainEntries, openKeychain } from '../../src/secrets/keychain.js';
import { startKeyring } from '../helpers/keyring.js';

const session = await startKeyring();
const skip = typeof session === 'string' ? `no Secret Service here: ${session}` : false;
if (skip) console.log(`# skipping keychain tests: ${skip}`);

describe('keychain (real Secret Service)', { skip }, () => {
  if (typeof session === 'string') return;
  // The binding reads the bus address from our own environment when it connects.
  process.env.DBUS_SESSION_BUS_ADDRESS = session.env.DBUS_SESSION_BUS_ADDRESS;
  after(() => session.stop());
  const store = (functionName?: string) => openKeychain({ functionName, timeoutMs: 3000 });
  const put = (service: string, account: string, value: string) =>
    session.secretTool(['store', '--label=test', 'service', service, 'username', account], value);
  const lookup = (service: string, account: string) => session.secretTool(['lookup', 'service', service, 'username', account]).catch(() => '');

  test('entry names: sinch-cli/<function> then sinch-cli, account custom-<KEY>', () => {
    assert.deepEqual(keychainEntries('K', 'fn'), [{ service: 'sinch-cli/fn', account: 'custom-K' }, { service: 'sinch-cli', account: 'custom-K' }]);
    assert.deepEqual(keychainEntries('K'), [{ service: 'sinch-cli', account: 'custom-K' }]);
  });

  test('finds what the Sinch CLI stored (service sinch-cli, account custom-KEY)', async () => {
    await put('sinch-cli', 'custom-STRIPE_KEY', 'sk_live_from_cli');
    assert.equal(await (await store('my-fn')).get('STRIPE_KEY'), 'sk_live_from_cli');
    assert.equal(await (await store()).get('STRIPE_KEY'), 'sk_live_from_cli');
    assert.equal(await (await store()).get('ABSENT_KEY'), undefined);
  });

  test("a function-scoped entry wins over the shared one, and only for that function", async () => {
    await put('sinch-cli', 'custom-SHARED', 'global-value');
    await put('sinch-cli/fn-a', 'custom-SHARED', 'a-value');
    assert.equal(await (await store('fn-a')).get('SHARED'), 'a-value');
    assert.equal(await (await store('fn-b')).get('SHARED'), 'global-value');
  });

  test('set writes the function-scoped entry, visible to secret-tool; values round-trip exactly', async () => {
    const value = 'pässwörd with "quotes"\nand a second line 🔑';
    const kc = await store('fn-set');
    assert.deepEqual(await kc.set('NEW_KEY', value), { entry: 'keychain (service sinch-cli/fn-set, account custom-NEW_KEY)', replaced: false });
    assert.deepEqual(await kc.set('NEW_KEY', value), { entry: 'keychain (service sinch-cli/fn-set, account custom-NEW_KEY)', replaced: true });
    assert.equal(await kc.unwritable(), undefined);
    assert.equal(await lookup('sinch-cli/fn-set', 'custom-NEW_KEY'), value);
    assert.equal(await lookup('sinch-cli', 'custom-NEW_KEY'), '');
    assert.equal(await (await store('fn-set')).get('NEW_KEY'), value);
  });

  test('delete removes the entry find names, the most specific first; list shows custom-* keys of both services, marking the shared', async () => {
    await put('sinch-cli', 'custom-GONE', 'g');
    await put('sinch-cli/fn-del', 'custom-GONE', 's');
    await put('sinch-cli/fn-del', 'not-a-secret-entry', 'x');
    const kc = await store('fn-del');
    const listed = await kc.list();
    const names = listed.map((e) => e.key);
    assert.ok(names.includes('GONE') && names.includes('STRIPE_KEY') && !names.some((n) => !/^[A-Z0-9_]+$/.test(n)), names.join(','));
    assert.deepEqual(names, [...new Set(names)].sort());
    assert.deepEqual(listed.find((e) => e.key === 'GONE'), { key: 'GONE', entry: 'keychain (service sinch-cli/fn-del, account custom-GONE)', shared: false });
    assert.deepEqual(listed.find((e) => e.key === 'STRIPE_KEY'), { key: 'STRIPE_KEY', entry: 'keychain (service sinch-cli, account custom-STRIPE_KEY)', shared: true });
    assert.deepEqual(await kc.find('GONE'), { key: 'GONE', entry: 'keychain (service sinch-cli/fn-del, account custom-GONE)', shared: false, value: 's' });
    assert.equal(await kc.delete('GONE'), 'keychain (service sinch-cli/fn-del, account custom-GONE)');
    assert.equal(await lookup('sinch-cli/fn-del', 'custom-GONE'), '');
    assert.equal(await kc.get('GONE'), 'g');
    assert.equal((await kc.find('GONE'))?.shared, true);
    assert.equal(await kc.delete('GONE'), 'keychain (service sinch-cli, account custom-GONE)');
    assert.equal(await kc.delete('GONE'), undefined);
  });

  test('no reachable bus: KeychainUnreachable, so the caller can fall back', async () => {
    // The binding keeps its bus connection for the life of the process, so this runs in a fresh one.
    const script = `import('./src/secrets/keychain.ts').then((k) => k.openKeychain({ timeoutMs: 3000 }))
      .then(() => console.log('opened'), (e) => console.log(e.name + ': ' + e.message))`;
    const { stdout } = await execa('node', ['--import', 'tsx', '-e', script], {
      cwd: join(import.meta.dirname, '../..'),
      env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    assert.match(stdout, /^KeychainUnreachable: Platform failure: .*Failed to connect to socket \/nonexistent\/bus/);
  });

  test('a locked keychain (no one to answer the prompt) is exit 69, not a fallback', async () => {
    const kc = await store('fn');
    await session.secretTool(['lock', '--collection=login']).catch(async () => {
      await execa('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'], { env: session.env, extendEnv: false });
    });
    const started = Date.now();
    await assert.rejects(kc.get('STRIPE_KEY'), (e: unknown) => e instanceof EntrypointError && e.exitCode === 69 && /^keychain could not be used: /.test(e.message));
    assert.ok(Date.now() - started < 3500, 'bounded by the timeout');
  });
});
