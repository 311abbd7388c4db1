// Our 'exit' hook: if we die of an uncaught error, the child's whole process group gets SIGTERM, not only the child.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixture } from './helpers/entrypoint.js';

const spawnTs = fileURLToPath(new URL('../src/spawn.ts', import.meta.url));

/** Running: listed in /proc and not a zombie. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the exit hook', () => {
  it('an uncaught error of ours SIGTERMs the server under the child\'s sh, not only sh', { timeout: 30_000 }, async () => {
    // A process of ours that starts `sh -c 'node server.cjs; true'` (sh forks), passes on the server's pid, then throws.
    const script = `const { startChild } = await import(${JSON.stringify(spawnTs)});
      const started = startChild('sh', ['-c', ${JSON.stringify(`${process.execPath} ${fixture('tree/server.cjs')}; true`)}], process.env);
      started.child.stdout.on('data', (chunk) => { process.stdout.write(chunk); if (/ready/.test(chunk)) throw new Error('boom'); });`;
    const ours = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ours.stdout.on('data', (chunk: Buffer) => (out += chunk));
    const code = await new Promise((resolve) => ours.on('close', resolve));
    const pid = Number(/server ready (\d+)/.exec(out)?.[1]);
    assert.ok(pid > 0, `no server pid in ${JSON.stringify(out)}`);
    assert.equal(code, 1, 'the uncaught error did not end us');
    try {
      for (let i = 0; i < 100 && running(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(running(pid), false, 'the server outlived us');
    } finally {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
