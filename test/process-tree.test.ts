// The whole process tree: `npm start`, `sh -c` that forks, a forked worker, what the child leaves behind, --single-child.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bin, fixture, project, start, type Started } from './helpers/entrypoint.js';

const node = process.execPath;

/** pid -> [state, pgid] of every process, from /proc. */
function processes(): Map<number, [string, number]> {
  const found = new Map<number, [string, number]>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      found.set(Number(name), [fields[0]!, Number(fields[2])]);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Of `pids`, and of the processes in group `pgid`, those still running (a zombie waiting to be reaped is not). */
function leftOf(pids: number[], pgid: number): number[] {
  const all = processes();
  const running = (pid: number): boolean => (all.get(pid)?.[0] ?? 'Z') !== 'Z';
  return [...new Set([...pids.filter(running), ...[...all.keys()].filter((pid) => all.get(pid)![1] === pgid && running(pid))])];
}

/** The pids our fixtures announce (`server ready 123`), and the child's from our boot line. */
function pidsOf(entry: Started): { announced: number[]; child: number } {
  const announced = [...entry.stdout().matchAll(/ ready (\d+)/g)].map((m) => Number(m[1]));
  return { announced, child: Number(/\(pid (\d+)\)/.exec(entry.stderr())![1]) };
}

/** After our exit, none of the tree may be left; kills what is, so that a failing test leaves nothing behind. */
function assertNothingLeft(entry: Started): void {
  const { announced, child } = pidsOf(entry);
  const left = leftOf([...announced, child], child);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  assert.deepEqual(left, [], 'processes of the tree outlived us');
}

/** npm as users run it: a real package script, no update check, no network. */
function npmProject(script: string): string {
  const dir = project();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tree-test', version: '1.0.0', private: true, scripts: { start: script } }));
  return dir;
}
const npmEnv = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

describe('the process tree', () => {
  it('npm start: SIGTERM reaches the server npm started (through npm\'s sh); it drains; nothing is left; npm\'s code', { timeout: 60_000 }, async () => {
    const entry = start(['--', 'npm', 'start'], { dir: npmProject(`${node} ${fixture('tree/server.cjs')}`), env: npmEnv });
    const pid = Number((await entry.line(/^server ready \d+$/, 30_000)).split(' ')[2]);
    entry.child.kill('SIGTERM');
    const { code } = await entry.exit;
    assert.match(entry.stdout(), new RegExp(`^server ${pid} SIGTERM$`, 'm'));
    // npm itself dies of the SIGTERM (143); that is the main child's code, and ours.
    assert.match(entry.stderr(), new RegExp(`^sinch-entrypoint: child killed by SIGTERM \\(exit ${code}\\)$`, 'm'));
    assert.equal(code, 143);
    assertNothingLeft(entry);
  });

  it('sh -c that forks (no exec): SIGTERM reaches the server under sh; nothing is left; sh\'s code', { timeout: 30_000 }, async () => {
    const entry = start(['--', 'sh', '-c', `${node} ${fixture('tree/server.cjs')}; echo "server exited $?"`]);
    const pid = Number((await entry.line(/^server ready \d+$/)).split(' ')[2]);
    assert.notEqual(pid, pidsOf(entry).child, 'sh did not fork');
    entry.child.kill('SIGTERM');
    // sh has no handler: it dies of the SIGTERM, as the server drains.
    assert.deepEqual(await entry.exit, { code: 143, signal: null });
    assert.match(entry.stdout(), new RegExp(`^server ${pid} SIGTERM$`, 'm'));
    assertNothingLeft(entry);
  });

  it('a server that forks a worker: both handlers run, the primary exits once the worker has; its code', { timeout: 30_000 }, async () => {
    const entry = start(['--stop-timeout', '5', '--', node, fixture('tree/server.cjs'), '--fork']);
    const primary = Number((await entry.line(/^primary ready \d+$/)).split(' ')[2]);
    const worker = Number((await entry.line(/^worker ready \d+$/)).split(' ')[2]);
    entry.child.kill('SIGTERM');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.match(entry.stdout(), new RegExp(`^worker ${worker} SIGTERM$`, 'm'));
    assert.match(entry.stdout(), new RegExp(`^primary ${primary} SIGTERM$`, 'm'));
    assertNothingLeft(entry);
  });

  it('what the child leaves running gets SIGTERM, then SIGKILL 2 s later; we exit with the child\'s code', { timeout: 30_000 }, async () => {
    const entry = start(['--', 'sh', '-c', `${node} ${fixture('tree/stubborn.cjs')} & sleep 1; exit 3`]);
    const pid = Number((await entry.line(/^stubborn ready \d+$/)).split(' ')[2]);
    await entry.line(/the child exited; processes it started still run: SIGTERM to its process group, SIGKILL in 2 s/, 10_000, 'stderr');
    const exited = Date.now();
    await entry.line(new RegExp(`^stubborn ${pid} ignored SIGTERM$`));
    assert.deepEqual(await entry.exit, { code: 3, signal: null });
    const took = Date.now() - exited;
    assert.ok(took >= 1800 && took < 4000, `SIGKILL came ${took} ms after the child's exit, not 2 s`);
    assert.match(entry.stderr(), /processes the child started still run 2 s later: sending SIGKILL to its process group/);
    assertNothingLeft(entry);
  });

  it('during a stop, what the child leaves has the rest of --stop-timeout (no second SIGTERM), then SIGKILL', { timeout: 30_000 }, async () => {
    // sh has no handler and dies of the SIGTERM at once; the node under it ignores it.
    const entry = start(['--stop-timeout', '4', '--', 'sh', '-c', `${node} ${fixture('tree/stubborn.cjs')}; true`]);
    await entry.line(/^stubborn ready \d+$/);
    const sent = Date.now();
    entry.child.kill('SIGTERM');
    assert.deepEqual(await entry.exit, { code: 143, signal: null });
    const took = Date.now() - sent;
    assert.ok(took >= 3800 && took < 6000, `SIGKILL came ${took} ms after the SIGTERM, not 4 s`);
    assert.deepEqual(entry.stdout().match(/ignored SIGTERM/g), ['ignored SIGTERM']);
    assert.match(entry.stderr(), /processes the child started still run 4 s later: sending SIGKILL/);
    assertNothingLeft(entry);
  });

  it('a SIGTERM while what the child left gets its grace sends SIGKILL at once', { timeout: 30_000 }, async () => {
    const entry = start(['--', 'sh', '-c', `${node} ${fixture('tree/stubborn.cjs')} & sleep 1; exit 5`]);
    await entry.line(/^stubborn ready \d+$/);
    await entry.line(/the child exited; processes it started still run/, 10_000, 'stderr');
    const sent = Date.now();
    entry.child.kill('SIGTERM');
    assert.deepEqual(await entry.exit, { code: 5, signal: null });
    assert.ok(Date.now() - sent < 1500, 'the SIGTERM did not end the grace');
    assert.match(entry.stderr(), /processes the child started still run at a stop request: sending SIGKILL/);
    assertNothingLeft(entry);
  });

  it('forwards to the whole group by default; with --single-child to the direct child alone (SIGKILL still ends the group)', { timeout: 30_000 }, async () => {
    for (const single of [false, true]) {
      const entry = start([...(single ? ['--single-child'] : []), '--stop-timeout', '1', '--', node, fixture('tree/server.cjs'), '--fork']);
      const primary = Number((await entry.line(/^primary ready \d+$/)).split(' ')[2]);
      const worker = Number((await entry.line(/^worker ready \d+$/)).split(' ')[2]);
      entry.child.kill('SIGUSR1');
      await entry.line(new RegExp(`^primary ${primary} SIGUSR1$`));
      // The worker's line, when it comes, comes at the same time: 300 ms is ample.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(entry.stdout().includes(`worker ${worker} SIGUSR1`), !single, `single-child ${single}: ${entry.stdout()}`);
      entry.child.kill('SIGTERM');
      // Alone, the primary waits for a worker that never heard the SIGTERM, until the grace ends in SIGKILL.
      assert.deepEqual(await entry.exit, { code: single ? 137 : 0, signal: null });
      assert.equal(entry.stdout().includes(`worker ${worker} SIGTERM`), !single);
      assertNothingLeft(entry);
    }
  });
});

/** A process's state letter in /proc (T: stopped), or undefined once it is gone. */
function state(pid: number): string | undefined {
  return processes().get(pid)?.[0];
}

/** Resolves once `test` holds, polling every 50 ms; rejects after `ms` with `what`. */
async function until(test: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !test(); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
  }
}

const ticks = (entry: Started): number => entry.stdout().match(/tick \d+/g)?.length ?? 0;

/** Ctrl-Z stops the child and us; `resume` continues us; ticks stop then go on; Ctrl-C once reaches it once, twice SIGKILLs. */
async function jobControl(entry: Started, resume: () => void): Promise<void> {
  const [, pid, us] = (await entry.line(/ticker ready \d+ \d+/)).match(/ticker ready (\d+) (\d+)/)!.map(Number);
  entry.child.stdin!.write('\x1a');
  await until(() => state(pid!) === 'T' && state(us!) === 'T', 'Ctrl-Z stopped the child and us');
  const stopped = ticks(entry);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(ticks(entry), stopped, 'the child ticked on while stopped');
  resume();
  await until(() => ticks(entry) > stopped + 2, 'the child ticks again');
  assert.notEqual(state(us!), 'T');
  entry.child.stdin!.write('\x03');
  await entry.line(/SIGINT: stopping the child/);
  await entry.line(/SIGINT 1/);
  entry.child.stdin!.write('\x03');
  await entry.line(/second SIGINT: sending SIGKILL/);
}

const hasScript = spawnSync('script', ['--version']).status === 0;
const hasBash = spawnSync('bash', ['--version']).status === 0;

// With --no-tty: the child on pipes, its signals all through us (test/terminal.test.ts has it on a terminal of ours).
describe('at a terminal with --no-tty (a real pseudo-terminal from script(1))', { skip: !hasScript && 'no `script` (util-linux)' }, () => {
  it('as its session leader (docker run -it): Ctrl-Z stops the group and us, SIGCONT resumes both, Ctrl-C once, twice escalates', { timeout: 30_000 }, async () => {
    const command = `exec ${node} ${bin} --no-tty -- ${node} ${fixture('tree/ticker.cjs')}`;
    const entry = start([], { command: ['script', '-qec', command, '/dev/null'], stdin: true });
    // script(1) stops itself when its child (we) stops, and on its SIGCONT sends us one: as a shell's `fg` would.
    await jobControl(entry, () => process.kill(entry.child.pid!, 'SIGCONT'));
    assert.deepEqual(await entry.exit, { code: 137, signal: null });
    assert.deepEqual(entry.stdout().match(/SIGINT \d/g), ['SIGINT 1']);
  });

  it('under an interactive shell, a tree (sh -c): Ctrl-Z, fg, Ctrl-C twice, and the shell takes commands again', { skip: !hasBash && 'no bash', timeout: 30_000 }, async () => {
    const entry = start([], { command: ['script', '-qec', 'bash --norc --noprofile -i', '/dev/null'], stdin: true, env: { PS1: '$ ' } });
    entry.child.stdin!.write(`${node} ${bin} --no-tty -- sh -c '${node} ${fixture('tree/ticker.cjs')}; true'\n`);
    await jobControl(entry, () => entry.child.stdin!.write('fg\n'));
    entry.child.stdin!.write('echo "done $?"\n');
    await entry.line(/^done 137/);
    entry.child.stdin!.end('exit\n');
    assert.deepEqual(await entry.exit, { code: 0, signal: null });
    assert.deepEqual(entry.stdout().match(/SIGINT \d/g), ['SIGINT 1']);
  });
});
