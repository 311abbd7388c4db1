// npm run bench:memory: peak RSS of `redact` and `run` with 1 MiB of secret values (one large value or 1,000
// small ones, ASCII or not), each as mounted secret files; BENCH_BASELINE=<another checkout> races its bin too.
// `run` hands each value to the child in its environment, where Linux takes at most 128 KiB per variable
// (MAX_ARG_STRLEN): a larger value is E2BIG (exit 126), so `run` is measured with the smaller values only.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { random } from './corpus.js';

const data = join(import.meta.dirname, '.data', 'memory');
const bins = [{ label: 'current', bin: join(import.meta.dirname, '..', 'bin', 'sinch-entrypoint.cjs') }];
if (process.env.BENCH_BASELINE) bins.unshift({ label: 'baseline', bin: join(resolve(process.env.BENCH_BASELINE), 'bin', 'sinch-entrypoint.cjs') });
const MiB = 1 << 20;

/** `length` UTF-8 bytes of text from `alphabet`, chosen by a seeded PRNG. */
function text(length: number, alphabet: string[], rnd: () => number): string {
  let out = '';
  let bytes = 0;
  while (bytes < length) {
    const c = alphabet[Math.floor(rnd() * alphabet.length)]!;
    bytes += Buffer.byteLength(c);
    if (bytes <= length) out += c;
  }
  return out;
}

const ascii = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="\\ '];
const nonAscii = [...'éüöäßçñøå€™✓中文日本語😀'];
const cases: { name: string; values: () => string[] }[] = [
  { name: '1 x 1 MiB ASCII', values: () => [text(MiB, ascii, random(1))] },
  { name: '1 x 1 MiB non-ASCII', values: () => [text(MiB, nonAscii, random(2))] },
  { name: '1 x 1 MiB of é', values: () => ['é'.repeat(MiB / 2)] },
  { name: '8 x 128 KiB non-ASCII', values: () => Array.from({ length: 8 }, (_, i) => text(MiB / 8 - 64, nonAscii, random(10 + i))) },
  { name: '1,000 x 1 KiB ASCII', values: () => Array.from({ length: 1000 }, (_, i) => text(1024, ascii, random(100 + i))) },
  { name: '1,000 x 1 KiB non-ASCII', values: () => Array.from({ length: 1000 }, (_, i) => text(1024, nonAscii, random(5000 + i))) },
];

/** Peak RSS in MB of `args` run by our bin with `input` on stdin, and its output. */
function peak(bin: string, args: string[], input: string): { mb: number; out: Buffer } {
  const time = join(data, 'time.txt');
  const out = execFileSync('/usr/bin/time', ['-f', '%M', '-o', time, 'node', bin, ...args], { input: readFileSync(input), maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] });
  return { mb: Number(readFileSync(time, 'utf8').trim().split('\n').pop()) / 1024, out };
}

const row = (cells: (string | number)[]): void => console.log(cells.map((c, i) => String(c).padStart(i === 0 ? 26 : i === 4 ? 22 : 12)).join(''));
console.log('Peak RSS (MB, max of 3 runs) with 1 MiB of secret values, each a mounted secret file; input: each value once, raw');
row(['case', 'side', 'redact', 'run', 'masked']);
for (const c of cases) {
  rmSync(data, { recursive: true, force: true });
  const secrets = join(data, 'secrets');
  mkdirSync(secrets, { recursive: true });
  const values = c.values();
  const keys = values.map((_, i) => `SECRET_${i}`);
  keys.forEach((key, i) => writeFileSync(join(secrets, key), values[i]!));
  writeFileSync(join(data, 'sinch.json'), JSON.stringify({ name: 'bench-memory' }));
  writeFileSync(join(data, '.env'), keys.map((k) => `${k}=\n`).join(''));
  const input = join(data, 'input.txt');
  writeFileSync(input, values.map((v) => `log line with ${v} in it\n`).join(''));
  const flags = ['--quiet', '--dir', data, '--secrets-dir', secrets];
  for (const { label, bin } of bins) {
    const runnable = values.every((v) => Buffer.byteLength(v) < MiB / 8);
    const runs = [0, 1, 2].map(() => ({
      redact: peak(bin, ['redact', ...flags], input),
      run: runnable ? peak(bin, ['run', ...flags, '--', 'cat', input], '/dev/null') : undefined,
    }));
    const masked = (out: Buffer): number => out.toString().split('\n').filter((line) => line === 'log line with *** in it').length;
    const runMB = runnable ? Math.max(...runs.map((r) => r.run!.mb)).toFixed(0) : 'E2BIG';
    const runMasked = runnable ? ` ${masked(runs[0]!.run!.out)}/${values.length}` : '';
    row([c.name, label, Math.max(...runs.map((r) => r.redact.mb)).toFixed(0), runMB, `${masked(runs[0]!.redact.out)}/${values.length}${runMasked}`]);
  }
}
rmSync(data, { recursive: true, force: true });
