// `run` at a real terminal (a pseudo-terminal made by Python's pty, as a terminal emulator makes one): the child gets
// a terminal of ours, masked on its way to the user's, input and Ctrl-C/Ctrl-Z as in a plain shell, modes restored.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { needlesFor } from '../src/redact/needles.js';
import { bin, fixture, project } from './helpers/entrypoint.js';
import { reference } from './redact/reference.js';

const root = join(import.meta.dirname, '..');
const harness = join(import.meta.dirname, 'helpers', 'terminal.py');
const child = fixture('on-terminal.mjs');
const SECRET = 'sk_live_terminal_0123456789abcdef';

const python = spawnSync('python3', ['-c', 'import pty, termios'], { encoding: 'utf8' });
const binding = (() => {
  try {
    createRequire(import.meta.url)('@lydell/node-pty/requireBinary.js').requireBinary('pty.node');
    return true;
  } catch {
    return false;
  }
})();
const skip = python.status !== 0 ? 'python3 with pty and termios is not installed' : !binding ? '@lydell/node-pty has no binary for this platform' : false;

type Step = { wait: string } | { send: string } | { resize: [number, number] } | { signal: number } | { sleep: number };
interface Screen { exit: number; output: string; bytes: Buffer; modesRestored: boolean; timedOut: number | null }

/** Runs `command` on a fresh terminal of `cols`x`rows` through `steps`; what it showed, and how it left the terminal. */
function onTerminal(command: string[], steps: Step[], o: { env?: Record<string, string>; cols?: number; rows?: number; cwd?: string } = {}): Screen {
  const spec = { command, steps, cols: o.cols ?? 80, rows: o.rows ?? 24, env: { TERM: 'xterm-256color', ...o.env } };
  const r = spawnSync('python3', [harness, JSON.stringify(spec)], { encoding: 'utf8', cwd: o.cwd, env: { PATH: process.env.PATH, HOME: o.cwd ?? '/' }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { exit: number; output: string; modesRestored: boolean; timedOut: number | null };
  const bytes = Buffer.from(report.output, 'base64');
  return { ...report, bytes, output: bytes.toString() };
}

/** `run` of `args` in a project declaring API_KEY (set to SECRET), production mode, on a terminal. */
function entrypoint(args: string[], steps: Step[], o: { cols?: number; rows?: number; secrets?: Record<string, string> } = {}): Screen {
  const secrets = o.secrets ?? { API_KEY: SECRET };
  const dir = project({ secrets: Object.keys(secrets) });
  return onTerminal([process.execPath, bin, ...args], steps, { ...o, cwd: dir, env: { SINCH_ENVIRONMENT: 'production', ...secrets } });
}

describe('run at a terminal', { skip }, () => {
  it('the child sees a terminal: isatty on stdin, stdout and stderr, our size, TERM, colours with no FORCE_COLOR', () => {
    const screen = entrypoint(['--quiet', '--', process.execPath, child], [{ wait: 'ready' }, { send: 'quit\r' }], { cols: 101, rows: 33 });
    assert.equal(screen.timedOut, null, screen.output);
    const seen = JSON.parse(screen.output.split('\r\n')[0]!);
    assert.deepEqual(seen, { isatty: [true, true, true], size: [101, 33], term: 'xterm-256color', forceColor: null });
    assert.match(screen.output, /colour: \x1b\[31mred\x1b\[39m\r\r\n/, 'chalk colours arrive');
    assert.equal(screen.exit, 0);
    assert.ok(screen.modesRestored, 'the terminal is left as it was');
  });

  it('a secret printed to it is masked: one write, split writes, stderr, /dev/tty, the echo of typed input', () => {
    const script = `const fs = require('fs'); const s = process.env.API_KEY;
      console.log('one ' + s); console.error('err ' + s);
      fs.writeSync(fs.openSync('/dev/tty', 'w'), 'tty ' + s + '\\n');
      process.stdout.write('split ' + s.slice(0, 7)); setTimeout(() => process.stdout.write(s.slice(7) + '\\n'), 20);
      process.stdin.once('data', (d) => { console.log('typed ' + String(d).trim()); process.exit(0); });`;
    const screen = entrypoint(['--quiet', '--', process.execPath, '-e', script], [{ wait: 'split ***' }, { send: `${SECRET}\r` }, { wait: 'typed' }]);
    assert.equal(screen.timedOut, null, screen.output);
    assert.ok(!screen.output.includes(SECRET.slice(0, 12)), screen.output);
    // The child's terminal turns \n into \r\n, and ours, in raw mode still, \n into \r\n again.
    for (const line of ['one ***', 'err ***', 'tty ***', 'split ***', '***', 'typed ***']) assert.ok(screen.output.includes(`${line}\r\r\n`), `${line} in ${JSON.stringify(screen.output)}`);
    assert.equal(screen.exit, 0);
  });

  it("a multi-line secret's lines, turned into \\r\\n by the terminal, are masked whole", () => {
    const key = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'k5Rq1ZpLmN0a8Jd2xYvWq3eTfHs9uGbCz4XyA1oP', '-----END PRIVATE KEY-----'].join('\n');
    const screen = entrypoint(['--quiet', '--', process.execPath, '-e', 'console.log("key: " + process.env.PEM); console.log("next")'], [{ wait: 'next' }], { secrets: { PEM: key } });
    assert.equal(screen.timedOut, null, screen.output);
    assert.equal(screen.output, 'key: ***\r\r\nnext\r\r\n');
  });

  // The binding is N-API, one binary for every Node: the releases .ci/run installs (test/package.test.ts) load it too.
  const releases = readFileSync(join(root, '.ci', 'node-releases'), 'utf8').split('\n').filter((line) => /^\d/.test(line));
  for (const release of releases) {
    const node = join(process.env.SINCH_TEST_NODES ?? join(root, '.ci', 'nodes'), release, 'bin', 'node');
    it(`under Node ${release} too, the child gets a terminal`, { skip: !existsSync(node) && `no ${node} (.ci/run installs it)` }, () => {
      const dir = project({ secrets: ['API_KEY'] });
      const screen = onTerminal([node, bin, '--quiet', '--', node, '-e', 'console.log(`terminal: ${process.stdout.isTTY} ${process.version}`)'], [], {
        cwd: dir, env: { SINCH_ENVIRONMENT: 'production', API_KEY: SECRET },
      });
      assert.equal(screen.output, `terminal: true v${release}\r\r\n`);
      assert.deepEqual([screen.exit, screen.modesRestored], [0, true]);
    });
  }

  it('a resize reaches the child as SIGWINCH with the new size', () => {
    const screen = entrypoint(['--quiet', '--', process.execPath, child], [{ wait: 'ready' }, { resize: [120, 40] }, { wait: 'resized: 120x40' }, { send: 'quit\r' }]);
    assert.equal(screen.timedOut, null, screen.output);
    assert.equal(screen.exit, 0);
  });

  it("typed lines reach the child; Ctrl-C is its SIGINT, its exit code ours; the terminal's modes come back", () => {
    const screen = entrypoint(['--quiet', '--', process.execPath, child], [{ wait: 'ready' }, { send: 'hello\r' }, { wait: 'read: hello' }, { send: '\x03' }, { wait: 'got SIGINT' }]);
    assert.equal(screen.timedOut, null, screen.output);
    assert.equal(screen.exit, 3);
    assert.ok(screen.modesRestored);
  });

  it('the modes come back when the child is SIGKILLed, and at a SIGTERM to us', () => {
    const killed = entrypoint(['--quiet', '--', process.execPath, '-e', 'console.log("up"); setTimeout(() => process.kill(process.pid, "SIGKILL"), 100)'], [{ wait: 'up' }, { sleep: 0.5 }]);
    assert.deepEqual([killed.exit, killed.modesRestored], [137, true], killed.output);
    const stopped = entrypoint(['--', process.execPath, child], [{ wait: 'ready' }, { signal: 15 }, { wait: 'child killed by SIGTERM' }]);
    assert.equal(stopped.timedOut, null, stopped.output);
    assert.deepEqual([stopped.exit, stopped.modesRestored], [143, true], stopped.output);
  });

  it('Ctrl-Z stops the job and `fg` resumes it, as in a plain shell', () => {
    const dir = project({ secrets: ['API_KEY'] });
    const ticks = `let n = 0; setInterval(() => console.log('tick ' + ++n + ' ' + process.env.API_KEY), 100);
      process.stdin.on('data', (d) => { console.log('read ' + String(d).trim()); process.exit(0); });`;
    writeFileSync(join(dir, 'ticks.js'), ticks);
    const screen = onTerminal(['bash', '--norc', '--noprofile', '-i'], [
      { wait: '$ ' }, { send: `'${process.execPath}' '${bin}' --quiet -- '${process.execPath}' ticks.js\r` }, { wait: 'tick 2 ***' },
      { send: '\x1a' }, { wait: 'Stopped' }, { wait: '$ ' }, { send: 'jobs -l\r' }, { wait: 'Stopped' }, { wait: '$ ' },
      { send: 'fg\r' }, { wait: 'tick 4 ***' }, { send: 'done\r' }, { wait: 'read done' }, { wait: '$ ' }, { send: 'echo "status $?"; exit\r' }, { wait: 'status 0' },
    ], { cwd: dir, env: { PS1: '$ ', SINCH_ENVIRONMENT: 'production', API_KEY: SECRET } });
    assert.equal(screen.timedOut, null, screen.output);
    // Stopped means stopped: no tick between the stop and `fg`.
    const stopped = screen.output.slice(screen.output.indexOf('Stopped'), screen.output.indexOf('$ fg'));
    assert.doesNotMatch(stopped, /tick \d/, stopped);
    assert.ok(!screen.output.includes(SECRET));
  });

  it('pipes, not a terminal, with --no-tty, with a redirected stdin, and for a job in the background', () => {
    const print = [process.execPath, '-e', 'console.log(`terminal: ${process.stdout.isTTY ?? false}`)'];
    assert.match(entrypoint(['--quiet', '--no-tty', '--', ...print], [{ sleep: 0.1 }]).output, /^terminal: false\r\n/m);
    const dir = project({ secrets: ['API_KEY'] });
    const quoted = [process.execPath, bin, '--quiet', '--', ...print].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const redirected = onTerminal(['sh', '-c', `${quoted} < /dev/null`], [], { cwd: dir, env: { SINCH_ENVIRONMENT: 'production', API_KEY: SECRET } });
    assert.match(redirected.output, /^terminal: false\r\n/m);
    const background = onTerminal(['bash', '--norc', '--noprofile', '-i'], [{ wait: '$ ' }, { send: `${quoted} & wait; echo "status $?"; exit\r` }, { wait: 'status 0' }], {
      cwd: dir, env: { PS1: '$ ', SINCH_ENVIRONMENT: 'production', API_KEY: SECRET },
    });
    assert.equal(background.timedOut, null, background.output);
    assert.match(background.output, /^terminal: false\r\n/m);
  });

  it('without the binding: one notice, and the child gets pipes', () => {
    // A copy of the package whose node_modules lacks @lydell/node-pty, as an install with --omit=optional leaves it.
    const copy = join(project(), 'package');
    mkdirSync(join(copy, 'node_modules'), { recursive: true });
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
    for (const name of readdirSync(join(root, 'node_modules'))) if (name !== '@lydell') symlinkSync(join(root, 'node_modules', name), join(copy, 'node_modules', name));
    const dir = project({ secrets: ['API_KEY'] });
    const screen = onTerminal([process.execPath, join(copy, 'bin', 'sinch-entrypoint.cjs'), '--', process.execPath, '-e', 'console.log(`terminal: ${process.stdout.isTTY ?? false}`)'], [], {
      cwd: dir, env: { SINCH_ENVIRONMENT: 'production', API_KEY: SECRET },
    });
    assert.equal(screen.exit, 0, screen.output);
    const notices = screen.output.split('\r\n').filter((line) => line.includes('not a terminal'));
    assert.deepEqual(notices, ['sinch-entrypoint: the function gets pipes, not a terminal: the pseudo-terminal binding (@lydell/node-pty) is not installed for this platform (an install with --omit=optional?)']);
    assert.match(screen.output, /^terminal: false\r\n/m);
  });

  it('a value registered on the mask channel is masked on the terminal too', () => {
    const token = 'learned-on-a-terminal-0123456789';
    const script = `require('fs').writeSync(Number(process.env.SINCH_ENTRYPOINT_MASK_FD), JSON.stringify({ name: 'TOKEN', value: ${JSON.stringify(token)} }) + '\\n'); console.log('token ' + ${JSON.stringify(token)});`;
    const screen = entrypoint(['--quiet', '--', process.execPath, '-e', script], [{ wait: 'token' }, { sleep: 0.2 }]);
    assert.ok(screen.output.includes('token ***\r\r\n'), screen.output);
    assert.ok(!screen.output.includes(token), screen.output);
  });

  it('property: what comes through the terminal is the whole-buffer reference of what the terminal made of the output', () => {
    // Random secrets (some multi-line, some non-ASCII) printed among filler in random pieces, in one child; the held
    // bytes get a long deadline, so that a stall of this machine cannot release a partial secret early.
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const value = fc.string({ unit: fc.constantFrom(...'abcAB01+/_-="é€'.split('')), minLength: 8, maxLength: 40 });
    const cases = fc.sample(fc.record({
      values: fc.array(fc.tuple(value, fc.array(fc.nat(40), { maxLength: 2 })), { minLength: 1, maxLength: 3 }),
      filler: fc.array(fc.string({ unit: fc.constantFrom(...'xyz ,.:\n'.split('')), maxLength: 8 }), { minLength: 4, maxLength: 4 }),
      cuts: fc.array(fc.nat(200), { maxLength: 6 }),
    }), { numRuns: 12, seed });
    const secrets: Record<string, string> = {};
    const writes: string[][] = [];
    let printed = '';
    cases.forEach((c, i) => {
      // Line breaks put into a value make it a multi-line secret.
      const values = c.values.map(([v, breaks], j) => {
        let text = v;
        for (const at of breaks) text = `${text.slice(0, 1 + (at % (text.length - 1)))}\n${text.slice(1 + (at % (text.length - 1)))}`;
        return (secrets[`S${i}_${j}`] = `${i}.${j}:${text}`);
      });
      const text = `case ${i} ${c.filler[0]}${values.join(c.filler[1]!)}${c.filler[2]}${values[0]}${c.filler[3]}\n`;
      const at = [...new Set(c.cuts.map((n) => n % text.length))].sort((a, b) => a - b);
      writes.push([0, ...at].map((from, k, all) => text.slice(from, all[k + 1] ?? text.length)));
      printed += text;
    });
    const script = `const writes = ${JSON.stringify(writes)}; let i = 0;
      const next = () => { const piece = writes.flat()[i++]; if (piece === undefined) return console.log('END'); process.stdout.write(piece, () => setImmediate(next)); };
      next();`;
    const screen = entrypoint(['--quiet', '--hold-ms', '5000', '--', process.execPath, '-e', script], [{ wait: 'END' }], { secrets });
    assert.equal(screen.timedOut, null, screen.output);
    const needles = needlesFor(Object.entries(secrets).map(([name, v]) => ({ name, value: v }))).needles;
    // The child's terminal turns each \n into \r\n...
    const shown = printed.replace(/\n/g, '\r\n');
    // ...and ours, raw but with ONLCR still, each \n again.
    const want = reference(Buffer.from(shown), needles, Buffer.from('***')).toString().replace(/\n/g, '\r\n');
    assert.equal(screen.output, `${want}END\r\r\n`, `FUZZ_SEED=${seed}`);
    for (const v of Object.values(secrets)) assert.ok(!screen.output.includes(v.replace(/\n/g, '\r\r\n')), `FUZZ_SEED=${seed}`);
  });
});
