// The `redact` fast path over real pipes: stop requests while it blocks, and the hand-over to streams when a
// descriptor it inherited is non-blocking.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, project, startRedact } from '../helpers/redact-bin.js';

const SECRET = 'hunter2-very-secret';

/** Execs the rest of the command line with O_NONBLOCK set on descriptor `fd`, as a parent sharing it might. */
const nonBlocking = (fd: number) => ['python3', '-c', `import fcntl, os, sys
fcntl.fcntl(${fd}, fcntl.F_SETFL, fcntl.fcntl(${fd}, fcntl.F_GETFL) | os.O_NONBLOCK)
os.execvp(sys.argv[1], sys.argv[1:])`];

/** Whether descriptor `fd` of process `pid` has O_NONBLOCK set. */
function nonBlockingFd(pid: number, fd: number): boolean {
  const flags = /^flags:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))![1]!;
  return (Number.parseInt(flags, 8) & 0o4000) !== 0;
}

/** `redact` started after `wrapper`, once it has masked a first line (so it is in its loop); killed after the test. */
async function looping(t: TestContext, wrapper: string[] = [], secrets: Record<string, string> = {}): Promise<{ child: ChildProcessWithoutNullStreams; out: ReturnType<typeof collect> }> {
  const child = startRedact(project({ PASSWORD: SECRET, ...secrets }), [], wrapper);
  t.after(() => child.kill('SIGKILL'));
  const out = collect(child);
  child.stdin.write(`a ${SECRET} line\n`);
  await out.until((text) => text.endsWith('a *** line\n'));
  return { child, out };
}

// The hand-over cases need a process that sets O_NONBLOCK and execs: python3 (.ci/run installs it).
const noPython = spawnSync('python3', ['-c', '']).status !== 0 && 'no python3 here to make a descriptor non-blocking';

describe('redact fast path', () => {
  it('dies of SIGTERM at once while it waits for input, as cat does', async (t) => {
    const { child } = await looping(t);
    child.kill('SIGTERM'); // stdin stays open: only the signal can end it
    const [code, signal] = await Promise.race([once(child, 'exit'), sleep(5000).then(() => ['still running'])]);
    assert.deepEqual([code, signal], [null, 'SIGTERM']);
  });

  // A held partial secret (9 bytes, over the raw limit) comes out as the mask at the deadline while no input comes,
  // and the rest of the secret, when it comes, is masked too.
  const heldCases = [
    // stdin a FIFO (the shell's pipe from cat), as in `app | sinch-entrypoint redact`: the pump asks a second,
    // non-blocking description of it whether data waits before it arms the deadline.
    { name: 'on a pipe from another process', wrapper: ['sh', '-c', 'cat | "$@"', 'sh'] },
    // The read that would have timed the held bytes finds no data (EAGAIN), and the stream that takes over never
    // saw those bytes: the deadline must run all the same.
    { name: 'handing over to streams when its stdin is non-blocking', wrapper: nonBlocking(0), skip: noPython },
  ];
  for (const { name, wrapper, skip } of heldCases) {
    it(`${name}: releases held bytes at the deadline, then masks the rest of the secret`, { skip }, async (t) => {
      const child = startRedact(project({ PASSWORD: SECRET }), [], wrapper);
      t.after(() => child.kill('SIGKILL'));
      const out = collect(child);
      child.stdin.write(`start ${SECRET} and ${SECRET.slice(0, 9)}`);
      assert.equal(await out.until((text) => text.endsWith('and ***')), 'start *** and ***');
      child.stdin.end(`${SECRET.slice(9)} end\n`);
      await once(child, 'close');
      assert.equal(out.bytes().toString(), 'start *** and *** end\n');
    });
  }

  // Node makes process.stdout and process.stderr libuv pipes, which sets O_NONBLOCK on descriptions other processes
  // share: the app writing into the same pipe as `app 2>&1 | sinch-entrypoint redact` would then meet EAGAIN.
  // `redact` makes neither, and writes its own messages (a warning here: PIN is too short to mask) with write(2).
  for (const { name, wrapper } of [
    { name: 'with stderr a pipe of its own', wrapper: [] },
    { name: 'with stderr on stdout (2>&1)', wrapper: ['sh', '-c', 'exec "$@" 2>&1', 'sh'] },
  ]) {
    it(`leaves stdin, stdout and stderr blocking, ${name}`, async (t) => {
      const { child, out } = await looping(t, wrapper, { PIN: '12' });
      const errors: Buffer[] = [];
      child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
      for (const fd of [0, 1, 2]) assert.ok(!nonBlockingFd(child.pid!, fd), `fd ${fd} is O_NONBLOCK`);
      child.stdin.end();
      await once(child, 'close');
      assert.match((wrapper.length > 0 ? out.bytes() : Buffer.concat(errors)).toString(), /warn: not masking PIN/);
    });
  }

  it('hands over to streams when its stdout is non-blocking and full, losing and reordering nothing', { skip: noPython }, async (t) => {
    const child = startRedact(project({ PASSWORD: SECRET }), [], nonBlocking(1));
    t.after(() => child.kill('SIGKILL'));
    child.stdout.pause();
    const lines = Array.from({ length: 100_000 }, (_, i) => (i % 7 === 0 ? `${i} ${SECRET}\n` : `${i} plain\n`));
    const input = lines.join('');
    // Far more than a pipe holds, with nobody reading: a write of the fast path meets EAGAIN, and the streams that
    // take over make process.stdin, which sets O_NONBLOCK on fd 0: that flag shows the hand-over has happened.
    child.stdin.write(input.slice(0, 1 << 20));
    for (const deadline = Date.now() + 10_000; !nonBlockingFd(child.pid!, 0); await sleep(20)) {
      assert.ok(Date.now() < deadline, 'no hand-over to streams within 10 s');
    }
    const out = collect(child);
    child.stdout.resume();
    child.stdin.end(input.slice(1 << 20));
    const [code] = await once(child, 'close');
    assert.equal(code, 0);
    assert.equal(out.bytes().toString(), input.replaceAll(SECRET, '***'));
  });
});

describe('redact as PID 1', () => {
  const unshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  const skip = !unshare && 'cannot create a PID namespace here (unshare --pid --fork --mount-proc needs root)';

  it('keeps its handlers (the kernel ignores default actions for PID 1) and leaves with 143 on SIGTERM', { skip, timeout: 30_000 }, async (t) => {
    const { child } = await looping(t, ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child']);
    const inner = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    process.kill(inner, 'SIGTERM');
    const [code] = await Promise.race([once(child, 'exit'), sleep(5000).then(() => ['still running'])]);
    assert.equal(code, 143);
  });
});
