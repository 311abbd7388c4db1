// npm run bench: the redactor side by side with a passthrough pipe and a naive baseline, through real pipes.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { secrets, writeCorpus } from './corpus.js';
import { lineLatency } from './latency.js';
import { terminalRace } from './terminal.js';

const data = join(import.meta.dirname, '.data');
const bin = join(import.meta.dirname, '..', 'bin', 'sinch-entrypoint.cjs');
// BENCH_BASELINE=<another checkout, built>: its redactor races in the same runs, for before/after ratios.
const baseline = process.env.BENCH_BASELINE ? join(resolve(process.env.BENCH_BASELINE), 'bin', 'sinch-entrypoint.cjs') : undefined;
const MB = 1e6;
const corpusBytes = Number(process.env.BENCH_MB ?? 200) * MB;
const naiveBytes = 20 * MB;
mkdirSync(data, { recursive: true });

interface Timing {
  seconds: number;
  cpu: number;
  rssMB: number;
}

/** Runs `filter` between `feed` and a reader, all piped: wall seconds, the filter's CPU seconds and peak RSS. */
function timePipeline(feed: string, filter: string): Timing {
  const script = `${feed} | /usr/bin/time -f '%U %S %M' -o ${data}/time.txt ${filter} | cat > /dev/null`;
  const start = process.hrtime.bigint();
  execFileSync('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const [user, system, rss] = readFileSync(`${data}/time.txt`, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds, cpu: user! + system!, rssMB: rss! / 1024 };
}

/** The median of `runs` timings of each filter, the filters taking turns so that drift in load hits all alike. */
function race(feed: string, filters: string[], runs = Number(process.env.BENCH_RUNS ?? 5)): Timing[] {
  const all = filters.map(() => [] as Timing[]);
  for (let i = 0; i < runs; i++) filters.forEach((filter, f) => all[f]!.push(timePipeline(feed, filter)));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return all.map((ts) => ({ seconds: median(ts.map((t) => t.seconds)), cpu: median(ts.map((t) => t.cpu)), rssMB: Math.max(...ts.map((t) => t.rssMB)) }));
}

/** A project directory whose .env holds the secrets, as the redact command reads them. */
function project(k: number): { dir: string; list: string } {
  const dir = join(data, `k${k}`);
  mkdirSync(dir, { recursive: true });
  const keys = secrets(k);
  writeFileSync(join(dir, 'sinch.json'), JSON.stringify({ name: 'bench' }));
  writeFileSync(join(dir, '.env'), keys.map((s) => `${s.name}=${s.value}`).join('\n') + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'list.txt'), keys.map((s) => s.value).join('\n') + '\n', { mode: 0o600 });
  return { dir, list: join(dir, 'list.txt') };
}

const row = (cells: (string | number)[]) => console.log(cells.map((c) => String(c).padStart(12)).join(''));
console.log(`Throughput through real pipes (cat | filter | cat), ${corpusBytes / MB} MB corpus, naive on the first ${naiveBytes / MB} MB; medians of interleaved runs, peak RSS`);
row(['K', 'filter', 'MB/s', 'x pass', 'CPU s', 'RSS MB', 'start ms']);
for (const k of (process.env.BENCH_K ?? '1,10,100,1000').split(',').map(Number)) {
  const { dir, list } = project(k);
  const corpus = join(data, `corpus-k${k}-${corpusBytes}.log`);
  if (!existsSync(corpus)) await writeCorpus(corpus, corpusBytes, secrets(k));
  const size = statSync(corpus).size;
  const filters = [`node ${import.meta.dirname}/passthrough.js`, `node ${import.meta.dirname}/loop.js`, `node ${bin} redact --quiet --dir ${dir}`];
  if (baseline) filters.push(`node ${baseline} redact --quiet --dir ${dir}`);
  const [pass, loop, ours, before] = race(`cat ${corpus}`, filters) as [Timing, Timing, Timing, Timing | undefined];
  // Start-up alone (empty input), to tell the fixed cost from the per-byte cost.
  const [passStart, loopStart, oursStart] = race('true', filters.slice(0, 3), 5) as [Timing, Timing, Timing];
  const [naive] = race(`head -c ${naiveBytes} ${corpus}`, [`node ${import.meta.dirname}/naive.js ${list}`], 3) as [Timing];
  const rate = (bytes: number, s: number) => bytes / MB / s;
  const streaming = (ours.seconds - oursStart.seconds) / (pass.seconds - passStart.seconds);
  row([k, 'passthrough', rate(size, pass.seconds).toFixed(0), '1.00', pass.cpu.toFixed(2), pass.rssMB.toFixed(0), (passStart.seconds * 1000).toFixed(0)]);
  row([k, 'r/w loop', rate(size, loop.seconds).toFixed(0), (loop.seconds / pass.seconds).toFixed(2), loop.cpu.toFixed(2), loop.rssMB.toFixed(0), (loopStart.seconds * 1000).toFixed(0)]);
  row([k, 'redactor', rate(size, ours.seconds).toFixed(0), (ours.seconds / pass.seconds).toFixed(2), ours.cpu.toFixed(2), ours.rssMB.toFixed(0), (oursStart.seconds * 1000).toFixed(0)]);
  if (before) row([k, 'baseline', rate(size, before.seconds).toFixed(0), (before.seconds / pass.seconds).toFixed(2), before.cpu.toFixed(2), before.rssMB.toFixed(0), '']);
  row([k, 'naive', rate(naiveBytes, naive.seconds).toFixed(1), ((naive.seconds * size) / naiveBytes / pass.seconds).toFixed(2), naive.cpu.toFixed(2), naive.rssMB.toFixed(0)]);
  console.log(`${''.padStart(12)}redactor: ${streaming.toFixed(2)}x the passthrough without start-up, ${(ours.seconds / loop.seconds).toFixed(2)}x the r/w loop; ${((naive.seconds * size) / naiveBytes / ours.seconds).toFixed(1)}x faster than naive`);
}

// Worst case for any prefilter: the input is made of near-complete secrets, so the automaton runs on every byte.
{
  const { dir } = project(100);
  const keys = secrets(100);
  const prefixes = join(data, 'prefixes.log');
  const unit = keys.map((s) => s.value.slice(0, -1) + '|').join('');
  writeFileSync(prefixes, unit.repeat(Math.ceil((50 * MB) / unit.length)));
  const size = statSync(prefixes).size;
  const [pass, ours] = race(`cat ${prefixes}`, [`node ${import.meta.dirname}/passthrough.js`, `node ${bin} redact --quiet --dir ${dir}`], 1) as [Timing, Timing];
  console.log(`\nWorst case (input made of secret prefixes, K=100, ${(size / MB).toFixed(0)} MB): redactor ${(size / MB / ours.seconds).toFixed(0)} MB/s, ${(ours.seconds / pass.seconds).toFixed(2)}x passthrough`);
}

// Memory: one 1 GiB line without a newline; the heap must not grow with it.
{
  const { dir } = project(100);
  // 64 MiB of base64 text (every byte in the needles' alphabet), sent 16 times in a row: one 1 GiB line.
  const block = join(data, 'line-64MiB.txt');
  if (!existsSync(block)) writeFileSync(block, randomBytes(48 << 20).toString('base64'));
  const line = `cat ${Array(16).fill(block).join(' ')}`;
  const [pass, ours] = race(line, [`node ${import.meta.dirname}/passthrough.js`, `node ${bin} redact --quiet --dir ${dir}`], 1) as [Timing, Timing];
  console.log(`\n1 GiB line without newline, K=100: peak RSS redactor ${ours.rssMB.toFixed(0)} MB, passthrough ${pass.rssMB.toFixed(0)} MB`);
}

// Latency: one complete line at a time, round trip through the filter.
{
  const { dir } = project(100);
  const pass = await lineLatency(spawn('node', [join(import.meta.dirname, 'passthrough.js')]));
  const ours = await lineLatency(spawn('node', [bin, 'redact', '--dir', dir]));
  const ms = (x: number) => x.toFixed(3);
  console.log(`\nLine latency, K=100 (${pass.samples} lines): passthrough median ${ms(pass.median)} ms p99 ${ms(pass.p99)} ms;` +
    ` redactor median ${ms(ours.median)} ms p99 ${ms(ours.p99)} ms; added median ${ms(ours.median - pass.median)} ms p99 ${ms(ours.p99 - pass.p99)} ms`);
}

// At a terminal: the child on a terminal of ours, against the same child on pipes, both to a real terminal.
if (execFileSync('python3', ['-c', 'import pty; print(1)'], { encoding: 'utf8' }).trim() === '1') {
  const { dir } = project(100);
  const corpus = join(data, `corpus-k100-${corpusBytes}.log`);
  if (!existsSync(corpus)) await writeCorpus(corpus, corpusBytes, secrets(100));
  const file = join(data, 'terminal-50MB.log');
  execFileSync('bash', ['-c', `head -c ${50 * MB} ${corpus} > ${file}`]);
  const t = terminalRace(bin, dir, file, Number(process.env.BENCH_RUNS ?? 5));
  const rate = (s: number) => (50 / s).toFixed(0);
  console.log(`\nAt a terminal, K=100, 50 MB (cat as the function, a pty reader): straight ${rate(t.direct)} MB/s; run on pipes (--no-tty) ${rate(t.pipes)} MB/s;` +
    ` run on its own terminal ${rate(t.terminal)} MB/s, ${(t.terminal / t.pipes).toFixed(2)}x the time of pipes`);
}
