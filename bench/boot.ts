// npm run bench:boot: time to the child's first output line under the entrypoint, side by side with the bare child.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'sinch-entrypoint.cjs');
const noop = join(root, 'test', 'fixtures', 'noop.js');
const runs = Number(process.env.BENCH_RUNS ?? 30);
const BAR = 2.3;

// The container path, as Dockerfile.example's ENTRYPOINT runs it (no explicit `run`): production, a sinch.json
// with variables, one declared secret given in the environment.
const project = mkdtempSync(join(tmpdir(), 'boot-bench-'));
writeFileSync(join(project, 'sinch.json'), JSON.stringify({ name: 'bench', runtime: 'nodejs20', variables: { COMPANY_NAME: 'Acme' } }));
writeFileSync(join(project, '.env'), 'STRIPE_SECRET_KEY=\n');
const env = { ...process.env, STRIPE_SECRET_KEY: 'sk_test_boot_bench_0123456789', PROJECT_ID: 'bench-project', PROJECT_ID_API_KEY: 'bench-key-id', PROJECT_ID_API_SECRET: 'bench-key-secret' };

/** Milliseconds from spawn to the first byte on the command's stdout (the child's "ready" line). */
function firstLine(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: project, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let ms = NaN;
    child.stdout.once('data', () => (ms = Number(process.hrtime.bigint() - start) / 1e6));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && ms >= 0 ? resolve(ms) : reject(new Error(`${command} ${args.join(' ')}: exit ${code}`))));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare: number[] = [];
const ours: number[] = [];
// Interleaved, so drift in machine load hits both columns alike; one warm-up each for the page cache.
await firstLine('node', [noop]);
await firstLine('node', [bin, '--environment', 'production', '--', 'node', noop]);
for (let i = 0; i < runs; i++) {
  bare.push(await firstLine('node', [noop]));
  ours.push(await firstLine('node', [bin, '--environment', 'production', '--', 'node', noop]));
}
rmSync(project, { recursive: true, force: true });

const ratio = median(ours) / median(bare);
const row = (cells: (string | number)[]): void => console.log(cells.map((c) => String(c).padStart(14)).join(''));
console.log(`Boot: spawn to the child's first stdout line, median of ${runs} interleaved runs (ms)`);
row(['', 'median', 'min', 'max']);
row(['node noop.js', median(bare).toFixed(1), Math.min(...bare).toFixed(1), Math.max(...bare).toFixed(1)]);
row(['entrypoint', median(ours).toFixed(1), Math.min(...ours).toFixed(1), Math.max(...ours).toFixed(1)]);
console.log(`ratio ${ratio.toFixed(2)}x (bar ${BAR}x: two Node start-ups are the floor) ${ratio <= BAR ? 'ok' : 'OVER THE BAR'}`);
process.exitCode = ratio <= BAR ? 0 : 1;
