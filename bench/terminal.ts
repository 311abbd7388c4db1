// The pseudo-terminal path of `run` against its pipes (--no-tty), both read by a real terminal (test/helpers/terminal.py).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const harness = join(import.meta.dirname, '..', 'test', 'helpers', 'terminal.py');

/** Wall seconds for `command` to write all it writes to a fresh terminal that reads it as fast as it can. */
function onTerminal(command: string[], cwd: string): number {
  const spec = { command, steps: [], keep: false, timeout: 600 };
  const report = JSON.parse(execFileSync('python3', [harness, JSON.stringify(spec)], { cwd, encoding: 'utf8', maxBuffer: 1 << 20 }));
  return report.seconds as number;
}

/**
 * Medians of `runs` interleaved runs of `cat file` straight to the terminal, under `run` on pipes (--no-tty), and
 * under `run` on a terminal of ours; `dir` is a project that declares the secrets.
 */
export function terminalRace(bin: string, dir: string, file: string, runs: number): { direct: number; pipes: number; terminal: number } {
  const ways = {
    direct: ['cat', file],
    pipes: [process.execPath, bin, '--quiet', '--no-tty', '--', 'cat', file],
    terminal: [process.execPath, bin, '--quiet', '--', 'cat', file],
  };
  const times = { direct: [] as number[], pipes: [] as number[], terminal: [] as number[] };
  for (let i = 0; i < runs; i++) for (const [way, command] of Object.entries(ways)) times[way as keyof typeof ways].push(onTerminal(command, dir));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { direct: median(times.direct), pipes: median(times.pipes), terminal: median(times.terminal) };
}
