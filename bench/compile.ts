// npm run bench:compile: cold time of needlesFor and compile (run once at every start), each in a fresh process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const runs = Number(process.env.BENCH_RUNS ?? 11);
const ks = (process.env.BENCH_K ?? '1,10,100,1000').split(',').map(Number);
// Another copy of needles.ts and automaton.ts (an older version, kept outside the repo) to race side by side.
const baseline = process.env.COMPILE_BASELINE;

// What one cold process measures: the benchmark's secrets, then the two steps as compileRedaction runs them.
// GC pauses inside the window count in the times; the gc column says how much of them they were.
const child = (dir: string): string => `
import { PerformanceObserver } from 'node:perf_hooks';
import { needlesFor } from ${JSON.stringify(join(dir, 'needles.ts'))};
import { compile } from ${JSON.stringify(join(dir, 'automaton.ts'))};
import { secrets } from ${JSON.stringify(join(import.meta.dirname, 'corpus.ts'))};
const gcs = [];
new PerformanceObserver((list) => gcs.push(...list.getEntries())).observe({ entryTypes: ['gc'] });
const values = secrets(Number(process.argv[2]));
const t0 = performance.now();
const { needles } = needlesFor(values);
const t1 = performance.now();
const automaton = compile(needles);
const t2 = performance.now();
setTimeout(() => {
  const gc = gcs.filter((e) => e.startTime >= t0 && e.startTime < t2).reduce((ms, e) => ms + e.duration, 0);
  console.log(JSON.stringify({ needles: needles.length, states: automaton.fail.length + (automaton.view?.fail.length ?? 0), needlesFor: t1 - t0, compile: t2 - t1, gc }));
}, 0);
`;

interface Sample {
  needles: number;
  states: number;
  needlesFor: number;
  compile: number;
  gc: number;
}

// Bundled as the CLI is (esbuild), so the child runs plain JavaScript with no loader of its own.
const out = mkdtempSync(join(tmpdir(), 'compile-bench-'));
const sides = [{ label: 'current', dir: join(import.meta.dirname, '..', 'src', 'redact') }];
if (baseline) sides.unshift({ label: 'baseline', dir: resolve(baseline) });
const scripts: string[] = [];
for (const [i, side] of sides.entries()) {
  const file = join(out, `${i}.mjs`);
  await build({ stdin: { contents: child(side.dir), resolveDir: side.dir, loader: 'js' }, bundle: true, platform: 'node', format: 'esm', outfile: file, logLevel: 'error' });
  scripts.push(file);
}

function measure(script: string, k: number): Sample {
  const run = spawnSync(process.execPath, [script, String(k)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} K=${k}: exit ${run.status}\n${run.stderr}`);
  return JSON.parse(run.stdout) as Sample;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (cells: (string | number)[]): void => console.log(cells.map((c) => String(c).padStart(12)).join(''));
console.log(`Cold compile: medians of ${runs} fresh processes per K and side, interleaved (ms; gc: pauses within)`);
row(['K', 'side', 'needles', 'states', 'needlesFor', 'compile', 'total', 'gc']);
for (const k of ks) {
  const samples = sides.map(() => [] as Sample[]);
  // Sides take turns, so drift in machine load hits them alike.
  for (let r = 0; r < runs; r++) scripts.forEach((script, i) => samples[i]!.push(measure(script, k)));
  sides.forEach((side, i) => {
    const s = samples[i]!;
    const ms = (pick: (x: Sample) => number): string => median(s.map(pick)).toFixed(1);
    row([k, side.label, s[0]!.needles, s[0]!.states, ms((x) => x.needlesFor), ms((x) => x.compile), ms((x) => x.needlesFor + x.compile), ms((x) => x.gc)]);
  });
}
rmSync(out, { recursive: true, force: true });
