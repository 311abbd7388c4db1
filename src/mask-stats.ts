// What the redactors of a run masked, by key and stream: the notice at the child's exit, --stats-file, and the
// development hint that the function printed a secret. Key names and counts only, never a value.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Logger } from './log.js';
import type { RedactorWatch } from './redact/stream.js';

export type StreamName = 'stdout' | 'stderr';

/** Counts of one run. */
export class MaskStats {
  private readonly counts = new Map<string, Record<StreamName, number>>();
  private heldBytesReleased = 0;
  private releases = 0;
  private failClosed = 0;

  /** The watch for the redactor of `stream`; `firstMask` is told the first mask of each key, with its line. */
  watch(stream: StreamName, firstMask?: (name: string, stream: StreamName, line: number) => void): RedactorWatch {
    return {
      lines: firstMask !== undefined,
      masked: (name, line) => {
        let count = this.counts.get(name);
        if (!count) this.counts.set(name, (count = { stdout: 0, stderr: 0 }));
        if (count.stdout + count.stderr === 0) firstMask?.(name, stream, line);
        count[stream]++;
      },
      released: (bytes, masked) => {
        this.releases++;
        this.heldBytesReleased += bytes;
        if (masked) this.failClosed++;
      },
    };
  }

  /** `masked STRIPE_SECRET_KEY 3x (stdout 2, stderr 1), DB_PASSWORD 1x`, most masked first; undefined if nothing was. */
  summary(): string | undefined {
    if (this.counts.size === 0) return undefined;
    const parts = [...this.counts].sort(([, a], [, b]) => total(b) - total(a)).map(([name, count]) => {
      const streams = (['stdout', 'stderr'] as const).filter((s) => count[s] > 0).map((s) => `${s} ${count[s]}`);
      return `${name} ${total(count)}x${total(count) > 1 ? ` (${streams.join(', ')})` : ''}`;
    });
    return `masked ${parts.join(', ')}`;
  }

  /** The counts as data: per key and stream, and the deadline releases (how many, bytes, how many failed closed). */
  toJSON(): Record<string, unknown> {
    return {
      masked: Object.fromEntries([...this.counts].map(([name, count]) => [name, { ...count, total: total(count) }])),
      releases: this.releases,
      heldBytesReleased: this.heldBytesReleased,
      failClosedReleases: this.failClosed,
    };
  }

  /** Writes the counts to `path` atomically (a temporary file renamed over it), so a reader never sees half. */
  writeFile(path: string): void {
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify(this.toJSON(), null, 2)}\n`, { mode: 0o644 });
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }
}

/** The development hint for the first mask of a key: where the function printed it (never the value). */
export function hintText(name: string, stream: StreamName, line: number): string {
  return `the function printed ${name} (${stream}, line ${line} of its output): masked; find and fix that log statement`;
}

/** The account at exit: one notice when anything was masked, and --stats-file. */
export function reportAtExit(stats: MaskStats, log: Logger, statsFile: string | undefined): void {
  const summary = stats.summary();
  if (summary) log.notice(summary, stats.toJSON());
  writeStats(stats, log, statsFile);
}

/** --stats-file now (at exit, and at each rotation of the secrets); a failure to write it is a warning. */
export function writeStats(stats: MaskStats, log: Logger, statsFile: string | undefined): void {
  if (!statsFile) return;
  try {
    stats.writeFile(statsFile);
  } catch (error) {
    log.warn(`--stats-file: cannot write it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function total(count: Record<StreamName, number>): number {
  return count.stdout + count.stderr;
}
