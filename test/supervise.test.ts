// The supervisor with real children: exit codes, signal forwarding, grace period, draining, PID 1, colours.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../src/log.js';
import { supervise } from '../src/supervise.js';
import { bin, fixture, project, run, start } from './helpers/entrypoint.js';

/** Shell: waits until the process just started in the background ($!) has left our process group (setsid ran in it). */
const LEFT_GROUP = 'until [ "$(cut -d" " -f5 /proc/$!/stat)" != "$(cut -d" " -f5 /proc/$$/stat)" ]; do :; done';

const node = process.execPath;
const hasScript = spawnSync('script', ['--version']).status === 0;
const noScript = 'no `script` (util-linux) to give us a terminal';

/** Runs one child through supervise in this process (real child, real pipes); what the test reads is its exit code. */
async function superviseOnce(command: string, args: string[]): Promise<number> {
  const [stdout, stderr, logged] = [new PassThrough(), new PassThrough(), new PassThrough()];
  for (const stream of [stdout, stderr, logged]) stream.resume();
  return supervise({
    command, args, env: process.env, outputs: () => ({ stdout, stderr, log: createLogger(logged) }), stopTimeoutMs: 1000,
    signals: () => () => {}, // nothing is routed: these children are never signalled
  });
}

describe('exit codes', () => {
  it('passes every code 0..255 through, 32 children at a time, with one exit hook for them all', { timeout: 60_000 }, async () => {
    const hooks = process.listenerCount('exit');
    const codes = Array.from({ length: 256 }, (_, i) => i);
    for (let i = 0; i < codes.length; i += 32) {
      const batch = codes.slice(i, i + 32);
      const running = batch.map((code) => superviseOnce('sh', ['-c', `exit ${code}`]));
      assert.equal(process.listenerCount('exit'), hooks + 1);
      assert.deepEqual(await Promise.all(running), batch);
      assert.equal(process.listenerCount('exit'), hooks);
    }
  });

  it('passes a code through the CLI, and reports it', async () => {
    const result = await run(['--', node, '-e', 'process.exit(42)']);
    assert.equal(result.code, 42);
    assert.match(result.stderr, /^sinch-entrypoint: child exited with code 42$/m);
  });

  for (const [signal, code] of [['TERM', 143], ['KILL', 137], ['SEGV', 139]] as const) {
    it(`a child killed by SIG${signal} gives ${code}`, async () => {
      // ulimit -c 0: no core file from the SIGSEGV.
      const result = await run(['--', 'sh', '-c', `ulimit -c 0; kill -${signal} $$`]);
      assert.equal(result.code, code);
      assert.match(result.stderr, new RegExp(`child killed by SIG${signal} \\(exit ${code}\\)`));
    });
  }

  it('a bad --stop-timeout is a usage error naming the flag, and starts nothing', async () => {
    const result = await run(['--stop-timeout', '-1', '--', node, fixture('noop.js')]);
    assert.equal(result.code, 64);
    assert.match(result.stderr, /^sinch-entrypoint: error: --stop-timeout: expected a number from 0 to /m);
    assert.equal(result.stdout, '');
  });

  it('a command not found gives 127 and says so', async () => {
    const result = await run(['--', 'no-such-command-for-sinch']);
    assert.equal(result.code, 127);
    assert.match(result.stderr, /command not found: no-such-command-for-sinch/);
  });

  it('a file that is not executable gives 126 and says so', async () => {
    const dir = project();
    writeFileSync(join(dir, 'script.sh'), '#!/bin/sh\necho never\n', { mode: 0o644 });
    const result = await run(['--', './script.sh'], { dir });
    assert.equal(result.code, 126);
    assert.match(result.stderr, /command not executable: \.\/script\.sh/);
    assert.doesNotMatch(result.stdout, /never/);
  });

  it('a secret no environment variable can carry is named, never shown: NUL (78), over 128 KiB (E2BIG, 126)', async () => {
    const dir = project({ secrets: ['CUT_KEY', 'BIG_KEY'] });
    const mounted = mkdtempSync(join(tmpdir(), 'mounted-'));
    // In .env: a mounted file holding a NUL is binary, kept from the environment (test/configuration-masking.test.ts).
    writeFileSync(join(dir, '.env'), 'CUT_KEY=sk_live_before_nul\0after_nul\nBIG_KEY=\n');
    writeFileSync(join(mounted, 'BIG_KEY'), 'sk_live_big_'.padEnd(200 * 1024, 'x'));
    const cut = await run(['--secrets-dir', mounted, '--', node, '-e', 'console.log("started")'], { dir });
    assert.equal(cut.code, 78);
    assert.match(cut.stderr, /^sinch-entrypoint: error: CUT_KEY: a NUL byte in the value/m);
    writeFileSync(join(dir, '.env'), 'CUT_KEY=\nBIG_KEY=\n');
    writeFileSync(join(mounted, 'CUT_KEY'), 'sk_live_no_nul_now');
    const big = await run(['--secrets-dir', mounted, '--', node, '-e', 'console.log("started")'], { dir });
    assert.equal(big.code, 126);
    assert.match(big.stderr, /^sinch-entrypoint: error: cannot start .*node: E2BIG$/m);
    for (const { stdout, stderr } of [cut, big]) {
      assert.doesNotMatch(stdout + stderr, /sk_live|after_nul|started/);
    }
  });
});

describe('signals', () => {
  it('forwards SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and SIGTERM to the child', { timeout: 30_000 }, async () => {
    const entry = start(['--', node, fixture('signals.js')]);
    await entry.line(/^ready/);
    for (const signal of ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const) {
      entry.child.kill(signal);
      await entry.line(new RegExp(`^${signal}$`));
    }
    entry.child.kill('SIGTERM');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.match(entry.stdout(), /^SIGTERM$/m);
  });

  it('forwards SIGINT once (stdin is not a terminal here)', { timeout: 30_000 }, async () => {
    // sigint-count.js stays half a second after the first SIGINT, so a second one would show.
    const entry = start(['--', node, fixture('sigint-count.js')]);
    await entry.line(/^ready/);
    entry.child.kill('SIGINT');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.deepEqual(entry.stdout().match(/^SIGINT \d+$/gm), ['SIGINT 1']);
  });

  it('from a terminal, Ctrl-C reaches the child once (its group is not the terminal\'s: the one it gets is ours)', { skip: !hasScript && noScript, timeout: 30_000 }, async () => {
    const dir = project();
    // script(1) runs us on a fresh terminal; a ^C written to it becomes SIGINT for its foreground process group, ours.
    const command = `exec ${node} ${bin} --quiet -- ${node} ${fixture('sigint-count.js')}`;
    const entry = start([], { dir, command: ['script', '-qec', command, '/dev/null'], stdin: true });
    await entry.line(/ready/);
    entry.child.stdin!.write('\x03');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.deepEqual(entry.stdout().match(/SIGINT \d/g), ['SIGINT 1']);
  });

  it('after the grace period, SIGKILLs a child that ignores SIGTERM', { timeout: 30_000 }, async () => {
    const entry = start(['--stop-timeout', '0.5', '--', node, fixture('stubborn.js')]);
    await entry.line(/^ready$/);
    const sent = Date.now();
    entry.child.kill('SIGTERM');
    await entry.line(/^ignored SIGTERM$/);
    assert.deepEqual(await entry.exit, { code: 137, signal: null });
    assert.ok(Date.now() - sent >= 450, 'the child had its grace period');
    assert.match(entry.stderr(), /child still running 0\.5 s after SIGTERM: sending SIGKILL/);
  });

  it('a second SIGTERM/SIGINT escalates to SIGKILL at once', { timeout: 30_000 }, async () => {
    // A 120 s grace: only the escalation can end this test in time.
    const entry = start(['--stop-timeout', '120', '--', node, fixture('stubborn.js')]);
    await entry.line(/^ready$/);
    entry.child.kill('SIGTERM');
    await entry.line(/^ignored SIGTERM$/);
    entry.child.kill('SIGINT');
    assert.deepEqual(await entry.exit, { code: 137, signal: null });
    assert.match(entry.stderr(), /second SIGINT: sending SIGKILL/);
  });

  const setpriv = existsSync('/usr/bin/setpriv') || existsSync('/bin/setpriv');
  it('if we are SIGKILLed, the kernel SIGKILLs the child (parent-death signal)', { skip: !setpriv && 'no setpriv (util-linux)', timeout: 30_000 }, async () => {
    const entry = start(['--', node, fixture('signals.js')]);
    const pid = Number((await entry.line(/^ready \d+$/)).split(' ')[1]);
    entry.child.kill('SIGKILL');
    await entry.exit;
    /** Gone, or a zombie waiting for whoever adopted it: not running either way. */
    const running = (): boolean => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    try {
      for (let i = 0; i < 100 && running(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(running(), false, 'the child outlived its supervisor');
    } finally {
      if (running()) process.kill(pid, 'SIGKILL');
    }
  });

  it('a SIGTERM during boot ends the boot with 143 and starts nothing', { timeout: 30_000 }, async () => {
    const { startStore } = await import('./helpers/store-server.js');
    const store = await startStore([() => {}]); // never answers: the boot waits on it
    try {
      const entry = start(['--', node, fixture('noop.js')], {
        env: { SINCH_SECRETS_URL: store.url(), SINCH_SECRETS_TOKEN: 'boot-test-token' },
      });
      for (let i = 0; i < 500 && store.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(store.requests.length, 1, 'the boot never asked the store');
      entry.child.kill('SIGTERM');
      // An exit code, not death by the signal: our handler took it, as it must when we are PID 1.
      assert.deepEqual(await entry.exit, { code: 143, signal: null });
      assert.doesNotMatch(entry.stdout(), /ready/);
    } finally {
      await store.close();
    }
  });
});

describe('output', () => {
  it('10 MiB on each pipe written just before exit arrive whole, apart, with the secret masked', { timeout: 60_000 }, async () => {
    const secret = 'sk_live_flood_5f1c9a0b7e';
    const reference = spawnSync(node, [fixture('flood.js'), '10'], { env: { FLOOD_SECRET: secret }, maxBuffer: 64 << 20 });
    const dir = project({ secrets: ['FLOOD_SECRET'] });
    const base = { PROJECT_ID: 'flood-project', PROJECT_ID_API_KEY: 'flood-key-id', PROJECT_ID_API_SECRET: 'flood-key-secret' };
    const entry = start(['--quiet', '--', node, fixture('flood.js'), '10'], { dir, env: { FLOOD_SECRET: secret, ...base } });
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    const masked = (bytes: Buffer): string => bytes.toString('utf8').replaceAll(secret, '***');
    assert.equal(reference.stdout.length, 10 * 1024 * 1024);
    assert.ok(entry.stdout() === masked(reference.stdout), 'stdout: every byte, in order, masked');
    assert.ok(entry.stderr() === masked(reference.stderr), 'stderr: every byte, in order, masked, nothing of stdout');
    assert.ok(!entry.stdout().includes(secret) && !entry.stderr().includes(secret));
  });

  it('releases a partial secret the child pauses in at the deadline, as the mask, on both outputs; then masks the rest', async (t) => {
    // `run`'s redactors are streams over the child's pipes, each with its own deadline timer (`redact` has its loop).
    const script = `const s = process.env.PASSWORD;
for (const out of [process.stdout, process.stderr]) out.write('token: ' + s.slice(0, 9));
process.stdin.once('data', () => { for (const out of [process.stdout, process.stderr]) out.write(s.slice(9) + ' and more\\n'); process.exit(0); });`;
    const dir = project({ secrets: ['PASSWORD'] });
    const entry = start(['--quiet', '--hold-ms', '20', '--', node, '-e', script], { dir, env: { PASSWORD: 'hunter2-very-secret' }, stdin: true });
    t.after(() => entry.child.kill('SIGKILL')); // the child waits on our stdin: a failed wait must not leave it
    await Promise.all([entry.line(/^token: \*\*\*$/), entry.line(/^token: \*\*\*$/, 10_000, 'stderr')]);
    entry.child.stdin.end('go\n');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.equal(entry.stdout(), 'token: *** and more\n');
    assert.match(entry.stderr(), /^token: \*\*\* and more$/m);
    assert.ok(!entry.stderr().includes('hunter2'));
  });

  // Our own lines share the child's stderr redactor: they must never land inside a partial secret it holds.
  const PASSWORD = 'hunter2-very-secret';
  /** The longest piece of PASSWORD in what the child wrote, as it came out (our own lines, text or JSON, left out). */
  const longestRaw = (stderr: string): number => {
    const child = stderr.replace(/sinch-entrypoint: [^\n]*\n|\{"time":[^\n]*\n/g, '');
    for (let n = PASSWORD.length; n > 0; n--) for (let i = 0; i + n <= PASSWORD.length; i++) if (child.includes(PASSWORD.slice(i, i + n))) return n;
    return 0;
  };

  for (const format of ['text', 'json']) {
    it(`our SIGTERM notice (${format}) waits for the partial secret the child holds; the whole secret is masked`, { timeout: 30_000 }, async () => {
      const dir = project({ secrets: ['PASSWORD'] });
      // A deadline far away: only the rest of the secret, after our notice, can complete what the child holds.
      const entry = start(['--log-format', format, '--hold-ms', '10000', '--', node, fixture('half-secret.js'), '10', 'term'], { dir, env: { PASSWORD } });
      await entry.line(/^ready$/);
      entry.child.kill('SIGTERM');
      assert.deepEqual(await entry.exit, { code: 0, signal: null });
      assert.match(entry.stderr(), /^token: \*\*\* and more$/m);
      assert.match(entry.stderr(), /SIGTERM: stopping the child/);
      assert.ok(longestRaw(entry.stderr()) <= 3, entry.stderr()); // 2-byte pieces such as `re` are in any text
    });
  }

  it('our notice after a release that let a partial secret out in part: the rest of the secret is still masked', { timeout: 30_000 }, async () => {
    const dir = project({ secrets: ['PASSWORD'] });
    // 2 bytes, then a pause past --hold-ms (they go out raw, within the limit), our SIGTERM notice, then the rest.
    const child = "process.on('SIGTERM', () => {}); process.stderr.write('token: ' + process.env.PASSWORD.slice(0, 2)); console.log('ready');" +
      " setTimeout(() => { process.stderr.write(process.env.PASSWORD.slice(2) + '\\n'); process.exit(0); }, 1000)";
    const entry = start(['--hold-ms', '50', '--', node, '-e', child], { dir, env: { PASSWORD } });
    await entry.line(/^ready$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    entry.child.kill('SIGTERM');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.match(entry.stderr(), /^token: husinch-entrypoint: SIGTERM: stopping the child[^\n]*\n\*\*\*$/m);
    assert.ok(longestRaw(entry.stderr()) <= 3, entry.stderr());
  });

  for (const [cut, line] of [[16, 'token: ***'], [2, 'token: hu']] as const) {
    it(`a child killed in a secret (${cut} bytes held): the end-of-input rule applies before our exit notice`, { timeout: 30_000 }, async () => {
      const dir = project({ secrets: ['PASSWORD'] });
      const entry = start(['--hold-ms', '10000', '--', node, fixture('half-secret.js'), String(cut), 'kill'], { dir, env: { PASSWORD } });
      assert.deepEqual(await entry.exit, { code: 137, signal: null });
      // At most --raw-limit (3) raw bytes: 16 come out as the mask, 2 as they are; then our notice.
      assert.ok(entry.stderr().includes(`${line}sinch-entrypoint: child killed by SIGKILL (exit 137)\n`), entry.stderr());
      assert.ok(longestRaw(entry.stderr()) <= 3);
    });
  }

  it('our drain warning waits too: a child exits mid-secret and a descendant holds its output open', { timeout: 30_000 }, async () => {
    const dir = project({ secrets: ['PASSWORD'] });
    // The background sleep (in a session of its own, out of reach of the group's cleanup) keeps stderr open: after
    // 1 s of silence we warn and stop reading, long before --hold-ms. The child exits only once the sleep has left
    // its group: until setsid runs, the group's cleanup at the child's exit would end it too.
    const child = `printf "token: %.16s" "$PASSWORD" >&2; setsid sleep 3 & ${LEFT_GROUP}; exit 0`;
    const entry = start(['--hold-ms', '10000', '--', 'sh', '-c', child], { dir, env: { PASSWORD } });
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.match(entry.stderr(), /^token: \*\*\*sinch-entrypoint: warn: the child exited but a process it left behind holds its output open/m);
    assert.ok(longestRaw(entry.stderr()) <= 3, entry.stderr());
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  it('our stall (a blocking write to a slow terminal) is not taken for the writer\'s pause', { skip: !python && 'no python3 (its pty module makes the terminal)', timeout: 30_000 }, async () => {
    const dir = project({ secrets: ['PASSWORD'] });
    // The child writes 3 bytes of the secret, floods stdout and writes the rest 60 ms later, well within --hold-ms.
    // Our stdout is a terminal nobody reads for 1 s: Node's write to it blocks us past the deadline, while the rest
    // of the secret waits in the pipe. 3 raw bytes would be within --raw-limit, had the writer paused.
    const child = `printf 'token: hun' >&2; sleep 0.02; head -c 1000000 /dev/zero & sleep 0.06; printf '${PASSWORD.slice(3)} and more\\n' >&2; wait`;
    const terminal = ['python3', fixture('slow-terminal.py'), '1', node, bin];
    const entry = start(['--quiet', '--hold-ms', '300', '--', 'sh', '-c', child], { dir, env: { PASSWORD }, command: terminal });
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.match(entry.stdout(), /^token: \*\*\* and more$/m); // slow-terminal.py prints our stderr
  });

  it('does not wait forever for output a descendant holds open after the child exited', { timeout: 30_000 }, async () => {
    // The background sleep inherits the child's stdout and stderr: end of file comes only when it ends, in 5 s. In a
    // session of its own (setsid), it left the child's process group, which we would otherwise end.
    const result = await run(['--', 'sh', '-c', `setsid sleep 5 & ${LEFT_GROUP}; echo started`]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'started\n');
    assert.match(result.stderr, /the child exited but a process it left behind holds its output open/);
  });

  it('writes one boot line (counts, command, pid, boot ms) and ours as JSON with --log-format json', async () => {
    const dir = project({ secrets: ['STRIPE_SECRET_KEY'] });
    const env = { STRIPE_SECRET_KEY: 'sk_test_boot_line_4242' };
    const text = await run(['--', node, fixture('noop.js')], { dir, env });
    assert.equal(text.code, 0);
    assert.match(text.stderr, /^sinch-entrypoint: production: 1 variables \(sinch\.json 1\), 1 secrets \(env 1\); started \S+ \S+noop\.js \(pid \d+\) in \d+ ms$/m);
    const json = await run(['--log-format', 'json', '--', node, fixture('noop.js')], { dir, env });
    const boot = json.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.pid !== undefined);
    assert.equal(boot.mode, 'production');
    assert.deepEqual(boot.secrets, { env: 1 });
    assert.ok(Number.isInteger(boot.pid) && Number.isInteger(boot.bootMs));
    const quiet = await run(['--quiet', '--', node, fixture('noop.js')], { dir, env });
    assert.doesNotMatch(quiet.stderr, /started|exited/);
  });

  it('gives the child the mode, variables and secrets, and no colour variables without a terminal', async () => {
    const dir = project({ secrets: ['STRIPE_SECRET_KEY'] });
    const names = ['NODE_ENV', 'ASPNETCORE_ENVIRONMENT', 'COMPANY_NAME', 'STRIPE_SECRET_KEY', 'FORCE_COLOR'];
    const result = await run(['--mask', '[{name}]', '--', node, fixture('env.js'), ...names], { dir, env: { STRIPE_SECRET_KEY: 'sk_test_env_9876' } });
    assert.deepEqual(JSON.parse(result.stdout), {
      NODE_ENV: 'production', ASPNETCORE_ENVIRONMENT: 'Production', COMPANY_NAME: 'Acme', STRIPE_SECRET_KEY: '[STRIPE_SECRET_KEY]', FORCE_COLOR: null,
    });
  });

  it('sets FORCE_COLOR and the .NET equivalent when our output is a terminal and the child has pipes (--no-tty), unless NO_COLOR', { skip: !hasScript && noScript }, () => {
    const names = ['FORCE_COLOR', 'DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION'];
    const under = (extra: string): Record<string, string | null> => {
      const dir = project();
      const command = `${extra} ${node} ${bin} --quiet --no-tty -- ${node} ${fixture('env.js')} ${names.join(' ')}`;
      const out = execFileSync('script', ['-qec', command, '/dev/null'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: 'production' }, encoding: 'utf8' });
      return JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1));
    };
    assert.deepEqual(under(''), { FORCE_COLOR: '1', DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION: '1' });
    assert.deepEqual(under('FORCE_COLOR=0'), { FORCE_COLOR: '0', DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION: '1' });
    assert.deepEqual(under('NO_COLOR=1'), { FORCE_COLOR: null, DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION: null });
  });
});

describe('a reader that never reads', () => {
  it('after a stop request, the rest of the output gets 5 s, then we exit with the child\'s code', { timeout: 30_000 }, async () => {
    const dir = project();
    // The child fills its pipe and ours; it may be blocked in its write when SIGTERM comes (then SIGKILL after 1 s).
    const script = "process.stdout.write('x'.repeat(4 << 20)); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)";
    const { spawn } = await import('node:child_process');
    const entrypoint = spawn(process.execPath, [bin, '--stop-timeout', '1', '--', process.execPath, '-e', script], {
      cwd: dir, env: { PATH: process.env.PATH!, HOME: dir, SINCH_ENVIRONMENT: 'production' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    entrypoint.stdout.pause(); // never read: our writes to stdout stay pending
    let stderr = '';
    entrypoint.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => entrypoint.on('exit', resolve));
    while (!/started/.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = Date.now();
    entrypoint.kill('SIGTERM');
    const late = setTimeout(() => entrypoint.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(late);
    // The child's own code, as our exit notice names it (0 if its handler ran, 137 if it was still blocked writing).
    assert.equal(code, Number(/child (?:exited with code (\d+)|killed by \w+ \(exit (\d+)\))/.exec(stderr)?.slice(1).find(Boolean)), stderr);
    const took = Date.now() - stopped;
    assert.ok(took < 15_000, `exited ${took} ms after SIGTERM`);
    assert.match(stderr, /our reader is not taking its output; dropping the rest/);
  });
});

describe('PID 1', () => {
  const unshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  const skip = !unshare && 'cannot create a PID namespace here (unshare --pid --fork --mount-proc needs root)';

  // --kill-child: should the test fail, killing unshare takes the namespace down with it.
  const inNamespace = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', node, bin];

  /** The host pid of unshare's forked child: our entrypoint, PID 1 inside the namespace. */
  function inner(unsharePid: number): number {
    const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/);
    return Number(children[0]);
  }

  it('takes SIGTERM from outside, forwards it, and leaves with the child\'s code', { skip, timeout: 30_000 }, async () => {
    const entry = start(['--', node, fixture('signals.js')], { command: inNamespace });
    await entry.line(/^ready/);
    assert.match(entry.stderr(), /running as PID 1 without an init/);
    process.kill(inner(entry.child.pid!), 'SIGTERM');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.match(entry.stdout(), /^SIGTERM$/m);
  });

  it('a child without a handler dies of the forwarded SIGTERM: 143', { skip, timeout: 30_000 }, async () => {
    const entry = start(['--', 'sh', '-c', 'echo ready; exec sleep 60'], { command: inNamespace });
    await entry.line(/^ready$/);
    process.kill(inner(entry.child.pid!), 'SIGTERM');
    assert.deepEqual(await entry.exit, { code: 143, signal: null });
  });
});
