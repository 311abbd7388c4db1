// `secrets add|list|get|delete` through the built bin, against the real Secret Service and the fallback file store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execa } from 'execa';
import { startKeyring } from './helpers/keyring.js';
import { bin, makeProject, runBin } from './helpers/config-bin.js';

const keyring = await startKeyring();
if (typeof keyring === 'string') console.log(`# keychain cases skipped: ${keyring}`);
after(async () => {
  if (typeof keyring !== 'string') await keyring.stop();
});

describe('secrets with the keychain', { skip: typeof keyring === 'string' ? keyring : false }, () => {
  if (typeof keyring === 'string') return;
  const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'cmd-fn' }), '.env': 'EXISTING=' });
  const secrets = (args: string[], input?: string) => runBin(['secrets', ...args], { cwd: dir, env: keyring.env, ...(input === undefined ? {} : { input }) });
  const lookup = (service: string, key: string) =>
    keyring.secretTool(['lookup', 'service', service, 'username', `custom-${key}`]).catch(() => '');

  test('add from stdin: stored function-scoped (seen by secret-tool), KEY= appended to .env, value never printed', async () => {
    const r = await secrets(['add', 'API_TOKEN'], 'tok-from-stdin-42\n');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await lookup('sinch-cli/cmd-fn', 'API_TOKEN'), 'tok-from-stdin-42');
    assert.equal(r.stdout, `stored API_TOKEN in keychain (service sinch-cli/cmd-fn, account custom-API_TOKEN)\ndeclared API_TOKEN= in ${join(dir, '.env')}`);
    assert.equal(readFileSync(join(dir, '.env'), 'utf8'), 'EXISTING=\nAPI_TOKEN=\n');
    assert.ok(!r.stdout.includes('tok-from-stdin-42') && !r.stderr.includes('tok-from-stdin-42'));
    const again = await secrets(['add', 'API_TOKEN', '-'], 'second-value');
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(again.stdout, 'replaced the value of API_TOKEN in keychain (service sinch-cli/cmd-fn, account custom-API_TOKEN)');
    assert.equal(await lookup('sinch-cli/cmd-fn', 'API_TOKEN'), 'second-value');
    assert.equal(readFileSync(join(dir, '.env'), 'utf8'), 'EXISTING=\nAPI_TOKEN=\n', 'declared once');
  });

  test('add with VALUE on the command line works but warns about ps and history; "0123" stays a string', async () => {
    const r = await secrets(['add', 'PIN', '0123']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /a value on the command line is visible in ps and shell history/);
    assert.equal(await lookup('sinch-cli/cmd-fn', 'PIN'), '0123');
  });

  test('bad input: empty stdin, a key outside [A-Z0-9_]+ (never echoed) are exit 64', async () => {
    const empty = await secrets(['add', 'EMPTY_ONE']);
    assert.deepEqual([empty.exitCode, empty.stderr.trim()], [64, 'sinch-entrypoint: error: secrets add EMPTY_ONE: empty value']);
    const bad = await secrets(['add', 'sk_live_oops'], 'x');
    assert.equal(bad.exitCode, 64);
    assert.ok(!bad.stderr.includes('sk_live_oops'), bad.stderr);
  });

  test('list marks shared entries; get names the entry it read and hides the value unless --show; a missing key is exit 78', async () => {
    await keyring.secretTool(['store', '--label=t', 'service', 'sinch-cli', 'username', 'custom-SHARED_BY_CLI'], 'shared-value-7');
    const list = await secrets(['list']);
    assert.equal(list.exitCode, 0, list.stderr);
    assert.deepEqual(list.stdout.split('\n'), ['API_TOKEN', 'PIN', 'SHARED_BY_CLI  shared by every function: keychain (service sinch-cli, account custom-SHARED_BY_CLI)']);
    const hidden = await secrets(['get', 'SHARED_BY_CLI']);
    assert.equal(hidden.stdout, 'SHARED_BY_CLI is set in keychain (service sinch-cli, account custom-SHARED_BY_CLI), shared by every function (hidden; --show prints it)');
    assert.equal((await secrets(['get', 'PIN'])).stdout, 'PIN is set in keychain (service sinch-cli/cmd-fn, account custom-PIN) (hidden; --show prints it)');
    assert.equal((await secrets(['get', 'SHARED_BY_CLI', '--show'])).stdout, 'shared-value-7');
    const absent = await secrets(['get', 'NOPE']);
    assert.deepEqual([absent.exitCode, absent.stderr.trim()], [78, 'sinch-entrypoint: error: NOPE is not in the keychain (services sinch-cli/cmd-fn and sinch-cli)']);
  });

  test('add over a shared entry says this function now reads its own; delete names the entry it removed, what remains, and the .env line', async () => {
    await keyring.secretTool(['store', '--label=t', 'service', 'sinch-cli', 'username', 'custom-EXISTING'], 'shared-existing-1');
    const added = await secrets(['add', 'EXISTING'], 'own-existing-2');
    assert.equal(added.stdout, 'stored EXISTING in keychain (service sinch-cli/cmd-fn, account custom-EXISTING)\n' +
      'this function now reads EXISTING from there, not from the shared keychain (service sinch-cli, account custom-EXISTING)');
    const own = await secrets(['delete', 'EXISTING', '--force']);
    assert.equal(own.stdout, 'deleted EXISTING from keychain (service sinch-cli/cmd-fn, account custom-EXISTING)\n' +
      'EXISTING still has a value in keychain (service sinch-cli, account custom-EXISTING), shared by every function');
    assert.equal(await lookup('sinch-cli', 'EXISTING'), 'shared-existing-1', 'the shared entry is untouched');
    const shared = await secrets(['delete', 'EXISTING', '--force']);
    assert.equal(shared.stdout, 'deleted EXISTING from keychain (service sinch-cli, account custom-EXISTING)\n' +
      `${join(dir, '.env')} still declares EXISTING=: remove that line if the function no longer needs it`);
  });

  test('delete needs --force without a terminal; with it, deletes and tolerates absence', async () => {
    const refused = await secrets(['delete', 'PIN']);
    assert.deepEqual([refused.exitCode, refused.stderr.trim()], [64, 'sinch-entrypoint: error: secrets delete PIN: no terminal to confirm; pass --force']);
    assert.equal(await lookup('sinch-cli/cmd-fn', 'PIN'), '0123');
    const deleted = await secrets(['delete', 'PIN', '--force']);
    assert.equal(deleted.stdout, 'deleted PIN from keychain (service sinch-cli/cmd-fn, account custom-PIN)\n' +
      `${join(dir, '.env')} still declares PIN=: remove that line if the function no longer needs it`);
    assert.equal(await lookup('sinch-cli/cmd-fn', 'PIN'), '');
    assert.equal((await secrets(['delete', 'PIN', '--force'])).exitCode, 0);
  });
});

describe('a keychain that answers but cannot be used (no login collection)', async () => {
  const bare = await startKeyring({ unlock: false });
  const skip = typeof bare === 'string' ? bare : false;
  after(async () => {
    if (typeof bare !== 'string') await bare.stop();
  });
  test('list, get and add are exit 69 with what to do; --store file (or SINCH_SECRETS_STORE=file) uses the file store', { skip }, async () => {
    if (typeof bare === 'string') return;
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'bare-fn' }) });
    const fix = /unlock it \(log in to the desktop session, or gnome-keyring-daemon --unlock\), or use the file store: --store file/;
    for (const [args, input] of [[['list']], [['get', 'SOME_KEY']], [['add', 'SOME_KEY'], 'value-bare-1']] as const) {
      const r = await runBin(['secrets', ...args], { cwd: dir, env: bare.env, ...(input ? { input } : {}) });
      assert.equal(r.exitCode, 69, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, fix);
      assert.ok(!r.stderr.includes('value-bare-1'));
    }
    const filed = await runBin(['secrets', 'add', 'SOME_KEY', '--store', 'file'], { cwd: dir, env: bare.env, input: 'value-bare-1' });
    assert.equal(filed.exitCode, 0, filed.stderr);
    assert.equal(filed.stdout.split('\n')[0], `stored SOME_KEY in file store ${join(bare.env.XDG_CONFIG_HOME!, 'sinch-entrypoint', 'bare-fn.json')}`);
    const listed = await runBin(['secrets', 'list'], { cwd: dir, env: { ...bare.env, SINCH_SECRETS_STORE: 'file' } });
    assert.deepEqual([listed.exitCode, listed.stdout, listed.stderr], [0, 'SOME_KEY', '']);
    const bad = await runBin(['secrets', 'list'], { cwd: dir, env: { ...bare.env, SINCH_SECRETS_STORE: 'vault' } });
    assert.deepEqual([bad.exitCode, bad.stderr.trim()], [78, 'sinch-entrypoint: error: SINCH_SECRETS_STORE: expected auto, keychain or file']);
  });
});

describe('secrets without a keychain', () => {
  test('--store keychain does not fall back: exit 69 naming the reason', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'nokc-fn' }) });
    const r = await runBin(['secrets', 'list', '--store', 'keychain'], { cwd: dir });
    assert.equal(r.exitCode, 69, r.stderr);
    assert.match(r.stderr, /^sinch-entrypoint: error: keychain unreachable: .*; or use the file store: --store file$/m);
  });

  test('the file store says once, when it is made, that it keeps plain text', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'plain-fn' }) });
    const first = await runBin(['secrets', 'add', 'ONE_KEY', '--store', 'file'], { cwd: dir, input: 'one-value-1' });
    assert.match(first.stderr, /made .*plain-fn\.json: the file store keeps values as plain JSON, readable by your user only \(mode 0600\)/);
    const second = await runBin(['secrets', 'add', 'TWO_KEY', '--store', 'file'], { cwd: dir, input: 'two-value-2' });
    assert.deepEqual([second.exitCode, second.stderr], [0, '']);
  });

  test('falls back to the 0600 file store with a notice', async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'nokc-fn' }) });
    const r = await runBin(['secrets', 'add', 'FILE_KEY'], { cwd: dir, input: 'file-value-5' });
    assert.equal(r.exitCode, 0, r.stderr);
    const path = join(dir, '.config', 'sinch-entrypoint', 'nokc-fn.json');
    assert.match(r.stderr, new RegExp(`no keychain reachable \\(.*\\); using the file store ${path}`));
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { FILE_KEY: 'file-value-5' });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal((await runBin(['secrets', 'get', 'FILE_KEY', '--show'], { cwd: dir })).stdout, 'file-value-5');
  });
});

describe('secrets at a terminal', async () => {
  const script = await execa('sh', ['-c', 'command -v script'], { reject: false });
  const skip = script.exitCode === 0 ? false : 'util-linux script(1) is not installed, so no pseudo-terminal';

  test('add prompts without echoing; delete asks for confirmation', { skip }, async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'tty-fn' }) });
    const atTerminal = (args: string, prompt: RegExp, answer: string | string[]) => terminal(dir, `${process.execPath} ${bin} ${args}`, prompt, answer);
    const added = await atTerminal('secrets add TTY_KEY', /Value for TTY_KEY[^:]*: /, 'typed-secret-9\r');
    assert.equal(added.code, 0, added.output);
    assert.ok(!added.output.includes('typed-secret-9'), `echoed: ${added.output}`);
    const path = join(dir, '.config', 'sinch-entrypoint', 'tty-fn.json');
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { TTY_KEY: 'typed-secret-9' });
    const deleted = await atTerminal('secrets delete TTY_KEY', /\[y\/N\] /, 'y\r');
    assert.equal(deleted.code, 0, deleted.output);
    assert.match(deleted.output, /deleted TTY_KEY from file store/);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {});
  });

  const pem = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', '-----END PRIVATE KEY-----'];

  test('a bracketed paste keeps its line breaks: a pasted PEM key is stored whole, never echoed', { skip }, async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'paste-fn' }) });
    // As a terminal pastes: the markers around the text, its line breaks as CR; then Enter.
    const pasted = await terminal(dir, `${process.execPath} ${bin} secrets add PEM_KEY`, /Value for PEM_KEY[^:]*: /, ['\x1b[200~' + pem.join('\r') + '\r\x1b[201~', '\r']);
    assert.equal(pasted.code, 0, pasted.output);
    assert.ok(!pasted.output.includes('MIIEvQ'), `echoed: ${pasted.output}`);
    assert.ok(pasted.output.includes('\x1b[?2004h') && pasted.output.includes('\x1b[?2004l'), 'bracketed paste is asked for, then turned off');
    const path = join(dir, '.config', 'sinch-entrypoint', 'paste-fn.json');
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { PEM_KEY: pem.join('\n') });
  });

  test('a multi-line paste the terminal does not mark: exit 64, nothing stored, and no line left for the shell', { skip }, async () => {
    const dir = makeProject({ 'sinch.json': JSON.stringify({ name: 'paste-fn' }) });
    // The shell that would run what is left: it reads one line from the terminal after we exit.
    const shell = `bash -c '${process.execPath} ${bin} secrets add PEM_KEY; echo "exit=$?"; read -r -t 1 left; echo "left=[$left]"'`;
    // The paste arrives in two reads, as a terminal writes a long paste: the rest comes after the first line ended.
    const pasted = await terminal(dir, shell, /Value for PEM_KEY[^:]*: /, [pem[0] + '\r', pem.slice(1).join('\r') + '\r']);
    assert.match(pasted.output, /input went on after the value ended \(a multi-line paste\?\): nothing stored/);
    assert.match(pasted.output, /exit=64/);
    assert.match(pasted.output, /left=\[\]/);
    assert.ok(!pasted.output.includes('MIIEvQ'), `echoed: ${pasted.output}`);
    assert.ok(!existsSync(join(dir, '.config', 'sinch-entrypoint', 'paste-fn.json')), 'nothing stored');
  });
});

/** Runs `command` on a pseudo-terminal (script(1)), answers `prompt` with each write of `answer` 50 ms apart. */
async function terminal(dir: string, command: string, prompt: RegExp, answer: string | string[]) {
  const env = { PATH: process.env.PATH ?? '', HOME: dir, SHELL: '/bin/sh', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no prompt; output so far: ${output}`)), 10_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (prompt.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (const write of [answer].flat()) {
    child.stdin.write(write);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const code = await exit;
  child.stdin.destroy();
  return { code, output };
}
