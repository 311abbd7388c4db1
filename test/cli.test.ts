// The command line as users meet it: flag checks, messages that never echo a value, EPIPE, the store's own credentials.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bin, project, run, start } from './helpers/entrypoint.js';
import { json, startStore } from './helpers/store-server.js';

const SECRET = 'correct-horse-battery';
const printEnv = (names: string[]): string[] => [process.execPath, '-e', `for (const n of ${JSON.stringify(names)}) console.log(n + '=' + (process.env[n] ?? '(unset)'))`];

describe('help and version', () => {
  const entry = (args: string[]) => {
    const dir = project();
    return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: 'production' } });
  };

  it('-h and --help: every option described, examples, the environment variables we read and the exit codes', () => {
    const version = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version;
    for (const flag of ['-h', '--help']) {
      const help = entry([flag]);
      assert.equal(help.status, 0, help.stderr);
      for (const option of ['--dir', '--mask', '--hold-ms', '--stop-timeout', '--environment', '--secrets-dir', '--store']) {
        assert.match(help.stdout, new RegExp(`^\\s+${option}\\s+\\S`, 'm'), `${option} is listed with a description`);
      }
      const flat = help.stdout.replace(/\s+/g, ' '); // the examples wrap with the terminal's width
      assert.match(flat, /sinch-entrypoint -- node index\.js/);
      assert.match(flat, /node app\.js 2>&1 \| sinch-entrypoint redact/);
      assert.match(flat, /ENTRYPOINT \["tini", "--", "sinch-entrypoint", "--environment", "production", "--"\]/);
      for (const name of ['SINCH_ENVIRONMENT', 'SINCH_SECRETS_URL', 'SINCH_SECRETS_TOKEN_FILE', 'SINCH_SECRETS_TOKEN', 'SINCH_SECRETS_STORE']) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
      assert.match(help.stdout, /Exit codes:[^]*64 +usage error[^]*78 +configuration error/);
      assert.doesNotMatch(help.stdout, /\[string\] \[default: (4|50|3|10|30000)\]/, 'numbers are not shown as strings');
    }
    for (const flag of ['-v', '-V', '--version']) assert.deepEqual([entry([flag]).status, entry([flag]).stdout.trim()], [0, version]);
  });

  it("each command's help shows only the options it takes", () => {
    const options = (args: string[]): string[] => [...entry([...args, '--help']).stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!);
    const list = options(['secrets', 'list']);
    assert.deepEqual(list.filter((o) => ['--hold-ms', '--mask', '--raw-limit', '--stop-timeout', '--environment', '--json'].includes(o)), []);
    assert.ok(list.includes('--store') && list.includes('--dir'), list.join(' '));
    const check = options(['check']);
    assert.ok(check.includes('--json') && check.includes('--secrets-dir') && !check.includes('--hold-ms') && !check.includes('--stop-timeout'), check.join(' '));
    const redact = options(['redact']);
    assert.ok(redact.includes('--hold-ms') && !redact.includes('--stop-timeout') && !redact.includes('--json'), redact.join(' '));
    assert.ok(options(['secrets', 'delete']).includes('--force') && !options(['secrets', 'get']).includes('--force'));
  });

  it('a boolean flag given a value other than true or false is exit 64, never silently false', () => {
    for (const args of [['--quiet=yes', '--', 'true'], ['--allow-missing=1', '--', 'true'], ['check', '--json=yes'], ['secrets', 'delete', 'KEY', '--force=y']]) {
      const r = entry(args);
      assert.deepEqual([r.status, r.stderr.trim()], [64, `sinch-entrypoint: error: --${args.find((a) => a.includes('='))!.slice(2).split('=')[0]}: takes no value (or =true, =false)`], args.join(' '));
    }
    assert.equal(entry(['--quiet=true', '--', 'true']).status, 0);
  });

  it('a command where none is taken (redact, check, secrets) is exit 64', () => {
    for (const args of [['redact', '--', 'cat'], ['check', '--', 'node', 'x.js'], ['secrets', 'list', '--', 'x']]) {
      const r = entry(args);
      assert.equal(r.status, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /takes no command: nothing goes after --/);
    }
  });
});

describe('--no-masking', () => {
  const secret = 'sk_live_no_masking_0123456789';
  const printed = ['--', process.execPath, '-e', 'console.log(process.env.STRIPE_SECRET_KEY)'];
  const go = (args: string[], mode: string) => {
    const dir = project({ secrets: ['STRIPE_SECRET_KEY'] });
    return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: mode, STRIPE_SECRET_KEY: secret } });
  };

  it('development: the output untouched, with a warning at the start and at the exit, even with --quiet', () => {
    const r = go(['--no-masking', '--quiet', ...printed], 'development');
    assert.deepEqual([r.status, r.stdout], [0, `${secret}\n`]);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /warn: --no-masking: the function's output is not masked/);
    assert.match(lines.at(-1)!, /warn: --no-masking was on: nothing the function printed was masked/);
  });

  it('production (flag or SINCH_ENVIRONMENT) is exit 64 and starts nothing', () => {
    for (const [args, mode] of [[['--no-masking', '--environment', 'production'], 'development'], [['--no-masking'], 'production']] as const) {
      const r = go([...args, ...printed], mode);
      assert.deepEqual([r.status, r.stdout, r.stderr.trim()], [64, '', 'sinch-entrypoint: error: --no-masking: development only; in production every output is masked']);
    }
  });

  it('masking on (the default): masked, and the boot self-test says nothing when it passes', () => {
    const r = go(['--quiet', ...printed], 'production');
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '***\n', '']);
  });
});

describe('flags', () => {
  for (const [flag, value] of [['--min-secret-length', 'abc'], ['--min-secret-length', '0'], ['--raw-limit', 'x'], ['--raw-limit', '1.5'],
    ['--hold-ms', '-1'], ['--secrets-timeout', '0'], ['--stop-timeout', 'NaN'], ['--stop-timeout', '1e12']] as const) {
    it(`${flag} ${value} is a usage error naming the flag, and nothing is masked wrongly`, async () => {
      const { code, stderr, stdout } = await run([flag, value, '--', process.execPath, '-e', `console.log('${SECRET}')`], { env: { PASSWORD: SECRET } });
      assert.equal(code, 64);
      assert.equal(stdout, '');
      assert.match(stderr, new RegExp(`^sinch-entrypoint: error: ${flag}: expected `, 'm'));
    });
  }

  for (const args of [['--stop-timeout='], ['--hold-ms='], ['--raw-limit', '--'], ['--dir', '--'], ['--min-secret-length', '0x10']]) {
    it(`${args.join(' ')} (empty, missing or not decimal) is a usage error, not a default or 0`, async () => {
      const { code, stderr } = await run([...args, ...(args.includes('--') ? [] : ['--']), 'true']);
      assert.equal(code, 64, stderr);
    });
  }

  it('never echoes the value of a flag it rejects', async () => {
    for (const flag of ['--log-format', '--environment']) {
      const { code, stderr } = await run([flag, 'sk_live_misplaced', '--', 'true']);
      assert.equal(code, 64);
      assert.match(stderr, new RegExp(`error: ${flag}: expected`));
      assert.doesNotMatch(stderr, /sk_live_misplaced/);
    }
  });

  it('never echoes an unknown option or stray arguments (they may be a misplaced value), suggesting a near one', () => {
    const dir = project();
    const options = { encoding: 'utf8' as const, cwd: dir, env: { PATH: process.env.PATH, HOME: dir } };
    const flag = spawnSync(process.execPath, [bin, 'redact', '--bogus-flag'], options);
    assert.equal(flag.status, 64);
    assert.match(flag.stderr, /^sinch-entrypoint: error: unknown option \(not shown\); see --help$/m);
    assert.doesNotMatch(flag.stderr, /bogus/);
    const typo = spawnSync(process.execPath, [bin, '--hold-msx', '5', '--', 'true'], options);
    assert.equal(typo.status, 64);
    assert.match(typo.stderr, /unknown option \(not shown; did you mean --hold-ms\?\)/);
    const stray = spawnSync(process.execPath, [bin, 'secrets', 'add', 'STRIPE_KEY', '-sk_live_abc123', 'extra-sk_live_abc123'], options);
    assert.equal(stray.status, 64);
    assert.doesNotMatch(stray.stderr, /sk_live|abc123|[, ] ?[lv], /);
    const command = spawnSync(process.execPath, [bin, 'node', 'index.js'], options);
    assert.equal(command.status, 64);
    assert.match(command.stderr, /put the command to run after --/);
  });

  // Each a value typed where the command line expected something else: no usage or configuration error shows it.
  const typed = 'sk_live_typed_0123456789';
  // Too long for a path (stat: ENAMETOOLONG), or under a file (ENOTDIR): errors whose messages quote the path.
  const long = typed + 'A'.repeat(300);
  for (const args of [['--dir', long, '--', 'true'], ['check', '--dir', long], ['--secrets-dir', long, '--', 'true'], ['secrets', 'add', 'KEY', '--dir', long],
    ['--dir', `a-file/${typed}`, '--', 'true'], ['--secrets-dir', `a-file/${typed}`, 'check'], ['--dir', typed, '--', 'true'], [`--dir=${typed}`, 'check'], ['--dir', 'a-file', '--', 'true'], ['--secrets-dir', typed, '--', 'true'],
    ['check', `--secrets-dir=./a-file`], ['secrets', 'add', 'KEY', `--${typed}`], ['secrets', 'add', 'KEY', `--${typed}=x`], [`--${typed}`, '--', 'true'],
    ['check', `--no-${typed}`], ['redact', `-${typed}`], ['--log-format', typed, '--', 'true'], ['--environment', typed, 'check'], ['--hold-ms', typed, '--', 'true'],
    ['--dir', '.', '--dir', typed, '--', 'true'], ['--secrets-dir', '.', '--secrets-dir', typed, 'check'], ['--environment=production', `--environment=${typed}`, '--', 'true'],
    ['--log-format', 'json', `--log-format=${typed}`, '--', 'true'], ['check', typed], ['secrets', typed], ['secrets', 'list', typed], [typed], ['--quiet', typed, '--', 'true']]) {
    it(`${args.join(' ').replaceAll(typed, 'VALUE')}: a usage or configuration error that never echoes the value`, () => {
      const dir = project();
      writeFileSync(join(dir, 'a-file'), '');
      const { status, stderr, stdout } = spawnSync(process.execPath, [bin, ...args.map((a) => a.replace('a-file', join(dir, 'a-file')))],
        { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: 'production' } });
      assert.ok(status === 64 || status === 78, `exit ${status}: ${stderr}`);
      assert.doesNotMatch(stderr + stdout, /sk_live|0123456789|a-file|internal error/);
    });
  }

  it('reports a fatal error as a JSON line with --log-format json', async () => {
    const dir = project({ secrets: ['MISSING_KEY'] });
    const { code, stderr } = await run(['--log-format', 'json', '--', 'true'], { dir });
    assert.equal(code, 78);
    const last = JSON.parse(stderr.trim().split('\n').pop()!);
    assert.equal(last.level, 'error');
    assert.match(last.msg, /missing secrets: MISSING_KEY/);
  });
});

describe('development without a session bus', () => {
  it('goes to the file store with a notice, without trying the keychain binding', async () => {
    const dir = project();
    const { code, stderr } = await run(['check'], { dir, env: { SINCH_ENVIRONMENT: 'development', XDG_RUNTIME_DIR: dir } });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /no keychain reachable \(no D-Bus session bus .*\); using the file store /);
  });
});

describe('run', () => {
  it('keeps the platform store token and address from the child, and masks the token wherever it shows', async () => {
    const token = 'tok-super-secret-bearer-123';
    const store = await startStore([json({ variables: {}, secrets: { API_KEY: 'sk_from_the_platform_store' } })]);
    try {
      const dir = project();
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${token}\n`);
      const env = { SINCH_SECRETS_URL: store.url('/v1/secrets?sig=signed-query-0123456789'), SINCH_SECRETS_TOKEN_FILE: tokenFile, SINCH_KEY_SECRET: 'sinch-cli-key-secret-xyz' };
      const names = ['SINCH_SECRETS_URL', 'SINCH_SECRETS_TOKEN_FILE', 'API_KEY', 'SINCH_KEY_SECRET'];
      const child = [process.execPath, '-e', `${printEnv(names)[2]}; console.log(require('fs').readFileSync(${JSON.stringify(tokenFile)}, 'utf8')); console.log('signed-query-0123456789')`];
      const { code, stdout, stderr } = await run(['--', ...child], { dir, env });
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^SINCH_SECRETS_URL=\(unset\)$/m);
      assert.match(stdout, /^SINCH_SECRETS_TOKEN_FILE=\(unset\)$/m);
      assert.match(stdout, /^API_KEY=\*\*\*$/m);
      assert.match(stdout, /^SINCH_KEY_SECRET=\*\*\*$/m);
      for (const leaked of [token, 'signed-query-0123456789', 'sk_from_the_platform_store', 'sinch-cli-key-secret-xyz']) assert.ok(!stdout.includes(leaked), leaked);
    } finally {
      await store.close();
    }
  });

  it('a reader that goes away (EPIPE) does not stop it: it keeps supervising and leaves with the child code', () => {
    const dir = project();
    const script = `"${process.execPath}" "${bin}" --quiet -- "${process.execPath}" -e "let i=0; const t=setInterval(()=>{console.log('line '+i++); if(i>2000){clearInterval(t); process.exitCode=7}}, 0)" | head -c 100 >/dev/null; echo \${PIPESTATUS[0]}`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: 'production' } });
    assert.equal(result.stdout.trim(), '7');
    assert.doesNotMatch(result.stderr, /EPIPE|Error|at /);
  });

  it('a slow reader gets every byte the child wrote before exiting, however long it takes', () => {
    const dir = project();
    const script = `"${process.execPath}" "${bin}" --quiet -- sh -c "head -c 400000 /dev/zero | tr '\\\\0' a; exit 5" | (sleep 6; wc -c); echo "\${PIPESTATUS[0]}"`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: 'production' } });
    assert.deepEqual(result.stdout.trim().split(/\s+/), ['400000', '5'], result.stderr);
    assert.doesNotMatch(result.stderr, /holds its output open/);
  });

  it('a descendant that keeps writing into a slow reader holds the exit back only for the cap, not forever', { timeout: 30_000 }, async () => {
    const started = start(['--quiet', '--', 'sh', '-c', '(yes tickticktick-descendant &); exit 3']);
    // A slow reader: one chunk every 10 ms, far below what `yes` writes. Not read(n) on a paused stream: Node 20 can throw
    // inside it when n is less than what is buffered (nodejs/node#53973), which once left this test's timer running forever.
    const stdout = started.child.stdout;
    stdout.removeAllListeners('data');
    let resume: NodeJS.Timeout | undefined;
    stdout.on('data', () => {
      stdout.pause();
      resume = setTimeout(() => stdout.resume(), 10);
    });
    const at = Date.now();
    try {
      const exit = await started.exit;
      assert.equal(exit.code, 3);
      assert.ok(Date.now() - at < 20_000, `took ${Date.now() - at} ms`);
    } finally {
      clearTimeout(resume);
      spawnSync('pkill', ['-f', '^yes tickticktick-descendant$']);
    }
  });

  it('a closed stderr does not stop the boot: the child runs and its code is ours', () => {
    const dir = project();
    // Our stderr is a pipe whose reader has already exited: every message we write meets EPIPE.
    const closed = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" -- "${process.execPath}" -e "process.exitCode = 7" 2>&1 >/dev/null | true; echo \${PIPESTATUS[0]}`], { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: 'production' } });
    assert.equal(closed.stdout.trim(), '7');
  });

  it('a descendant holding the pipes open delays the exit at most briefly, and SIGTERM ends the wait at once', async () => {
    const ticker = ['sh', '-c', '(while true; do echo tick; sleep 0.2; done) & echo started; exit 3'];
    const started = start(['--', ...ticker]);
    try {
      await started.line(/^started$/);
      await sleep(1500);
      started.child.kill('SIGTERM');
      const at = Date.now();
      const { code } = await started.exit;
      assert.equal(code, 3);
      assert.ok(Date.now() - at < 3000, 'still waiting for the descendant after SIGTERM');
    } finally {
      spawnSync('pkill', ['-f', 'while true; do echo tick; sleep 0.2']);
    }
  });
});
