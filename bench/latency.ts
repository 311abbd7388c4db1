// Measures the round trip of one complete line through a filter process, line after line.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import split2 from 'split2';

/** Writes `count` lines one at a time and times each until it is read back whole; returns median and p99 in ms. */
export async function lineLatency(child: ChildProcessWithoutNullStreams, count = 2000): Promise<{ median: number; p99: number; samples: number }> {
  const times: number[] = [];
  let resolveLine: (() => void) | undefined;
  child.stdout.pipe(split2()).on('data', () => resolveLine?.());
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < count; i++) {
    const line = `${new Date().toISOString()} INFO request ${i} handled in 12ms user=alice path=/api/v1/items\n`;
    const arrived = new Promise<void>((r) => (resolveLine = r));
    const start = process.hrtime.bigint();
    child.stdin.write(line);
    await arrived;
    if (i >= 100) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  child.stdin.end();
  await once(child, 'close');
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p99: times[Math.floor(times.length * 0.99)]!, samples: times.length };
}
