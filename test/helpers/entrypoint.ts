// Runs the built entrypoint (`run`) as a real process in a throwaway project, and watches its output line by line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const bin = fileURLToPath(new URL('../../bin/sinch-entrypoint.cjs', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A project directory with a sinch.json and a .env declaring `secrets` (values come from the environment). */
export function project(options: { secrets?: string[]; sinch?: object } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'supervise-'));
  writeFileSync(join(dir, 'sinch.json'), JSON.stringify(options.sinch ?? { name: 'supervise-test', variables: { COMPANY_NAME: 'Acme' } }));
  writeFileSync(join(dir, '.env'), (options.secrets ?? []).map((key) => `${key}=\n`).join(''));
  return dir;
}

// A failed assertion must not leave a running entrypoint behind to keep the test runner waiting.
const live = new Set<ChildProcessWithoutNullStreams>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Started {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once `stdout` (or `stderr`) holds a line matching `pattern`; rejects after `ms`. */
  line(pattern: RegExp, ms?: number, on?: 'stdout' | 'stderr'): Promise<string>;
  /** Resolves to the entrypoint's own exit: its code, or the signal that ended it. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/sinch-entrypoint.cjs [args]` in `dir` with a hermetic environment: production mode (no keychain), a private
 * HOME, PATH, and `env`. No stdin (as on CI) unless asked for.
 */
export function start(args: string[], options: { dir?: string; env?: Record<string, string>; command?: string[]; stdin?: boolean } = {}): Started {
  const dir = options.dir ?? project();
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, SINCH_ENVIRONMENT: 'production' };
  const command = options.command ?? [process.execPath, bin];
  const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: dir, env: { ...base, ...options.env }, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] }) as unknown as ChildProcessWithoutNullStreams;
  live.add(child);
  const text = { stdout: '', stderr: '' };
  const waiters: (() => void)[] = [];
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8');
    child[name].on('data', (chunk: string) => {
      text[name] += chunk;
      for (const wake of waiters.splice(0)) wake();
    });
  }
  let closed = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true;
      live.delete(child);
      resolve({ code, signal });
      for (const wake of waiters.splice(0)) wake();
    });
  });
  const line = (pattern: RegExp, ms = 10_000, on: 'stdout' | 'stderr' = 'stdout'): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${on} line matching ${pattern} in ${ms} ms; stdout:\n${text.stdout}\nstderr:\n${text.stderr}`)), ms);
      const check = (): void => {
        const found = text[on].split('\n').find((l) => pattern.test(l));
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (closed) {
          clearTimeout(timer);
          reject(new Error(`exited before a ${on} line matching ${pattern}; stdout:\n${text.stdout}\nstderr:\n${text.stderr}`));
        } else waiters.push(check);
      };
      check();
    });
  return { child, stdout: () => text.stdout, stderr: () => text.stderr, line, exit };
}

/** Runs to the end and returns the exit code and both outputs. */
export async function run(args: string[], options: Parameters<typeof start>[1] = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const started = start(args, options);
  const { code, signal } = await started.exit;
  return { code, signal, stdout: started.stdout(), stderr: started.stderr() };
}
