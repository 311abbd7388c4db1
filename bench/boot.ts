// npm run bench:boot: time to the child's first output line under the entrypoint, side by side with the bare child.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
// Without what slows every Node start and so flatters the ratio: NODE_EXTRA_CA_CERTS has Node parse a CA bundle
// before any script runs (+60 ms a start on a machine here), NODE_OPTIONS may load anything.
const { NODE_EXTRA_CA_CERTS, NODE_OPTIONS, ...inherited } = process.env;
const env = { ...inherited, STRIPE_SECRET_KEY: 'sk_test_boot_bench_0123456789', PROJECT_ID: 'bench-project', PROJECT_ID_API_KEY: 'bench-key-id', PROJECT_ID_API_SECRET: 'bench-key-secret' };

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
const commands: Record<string, string[]> = {
  'node noop.js': [noop],
  // The floor: a Node parent that only spawns the child and pipes its output (bench/relay.cjs).
  'spawn + pipe': [join(root, 'bench', 'relay.cjs'), 'node', noop],
  entrypoint: [bin, '--environment', 'production', '--', 'node', noop],
};
// The same bin and bundles without their code caches: a start under a Node other than the one that made them.
const uncached = mkdtempSync(join(tmpdir(), 'boot-bench-uncached-'));
cpSync(join(root, 'bin'), join(uncached, 'bin'), { recursive: true });
cpSync(join(root, 'dist'), join(uncached, 'dist'), { recursive: true, filter: (file) => !file.endsWith('.cache') });
commands['entrypoint, no cache'] = [join(uncached, 'bin', 'sinch-entrypoint.cjs'), ...commands.entrypoint!.slice(1)];
const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
// Interleaved, so drift in machine load hits every column alike; one warm-up each for the page cache.
for (const args of Object.values(commands)) await firstLine('node', args);
for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(commands)) times[name]!.push(await firstLine('node', args));
rmSync(project, { recursive: true, force: true });
rmSync(uncached, { recursive: true, force: true });

const bare = median(times['node noop.js']!);
const ratio = median(times.entrypoint!) / bare;
const row = (cells: (string | number)[]): void => console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(22) : String(c).padStart(10))).join(''));
console.log(`Boot: spawn to the child's first stdout line, median of ${runs} interleaved runs (ms)`);
row(['', 'median', 'min', 'max', 'ratio']);
for (const [name, ms] of Object.entries(times)) row([name, median(ms).toFixed(1), Math.min(...ms).toFixed(1), Math.max(...ms).toFixed(1), `${(median(ms) / bare).toFixed(2)}x`]);
console.log(`ratio ${ratio.toFixed(2)}x (bar ${BAR}x: two Node start-ups are the floor) ${ratio <= BAR ? 'ok' : 'OVER THE BAR'}`);
process.exitCode = ratio <= BAR ? 0 : 1;

// The boot self-test (a canary through the compiled redaction) at K = 100, cold, each in a fresh process: as the
// bin runs it, with its code cache, timed by the bin itself (`check --json` reports it).
const canaryProject = mkdtempSync(join(tmpdir(), 'boot-bench-canary-'));
writeFileSync(join(canaryProject, 'sinch.json'), JSON.stringify({ name: 'bench' }));
const keys = Array.from({ length: 100 }, (_, i) => `SECRET_${i}=sk_live_${i}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`);
writeFileSync(join(canaryProject, '.env'), `${keys.join('\n')}\n`);
const canaryRuns = Math.min(runs, 15);
const canaryMs: number[] = [];
const { execFileSync } = await import('node:child_process');
for (let i = 0; i < canaryRuns; i++) {
  const plan = execFileSync('node', [bin, 'check', '--json', '--quiet', '--environment', 'production'], { cwd: canaryProject, env: { ...env, HOME: canaryProject }, encoding: 'utf8' });
  canaryMs.push(JSON.parse(plan).selfTest.ms);
}
rmSync(canaryProject, { recursive: true, force: true });
console.log(`self-test (canary) at K = 100, cold: median ${median(canaryMs).toFixed(2)} ms, min ${Math.min(...canaryMs).toFixed(2)}, max ${Math.max(...canaryMs).toFixed(2)} (${canaryRuns} fresh processes; bar 2 ms)`);
