// Runs the built `sinch-entrypoint redact` as a real process over real pipes, with a throwaway project directory.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { bin } from './entrypoint.js';
import { bin } from './entrypoint.js';

/** A project directory whose .env gives these secrets non-empty values (HOME inside it, so no store is shared). */
export function project(secrets: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'redact-'));
  writeFileSync(join(dir, 'sinch.json'), JSON.stringify({ name: 'redact-test' }));
  // dotenv keeps single-quoted values literally; a value holding a quote or newline is not needed here.
  writeFileSync(join(dir, '.env'), Object.entries(secrets).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');
  return dir;
}

/** Starts `redact` on `dir`, after `wrapper` (a command that execs the rest); a hermetic environment (no keychain bus, private HOME). */
export function startRedact(dir: string, args: string[] = [], wrapper: string[] = []): ChildProcessWithoutNullStreams {
  const [command, ...rest] = [...wrapper, process.execPath, bin, 'redact', '--dir', dir, '--quiet', ...args];
  return spawn(command!, rest, {
    env: { PATH: process.env.PATH, HOME: dir, SINCH_ENVIRONMENT: 'development' },
  });
}

/** Collects a child's stdout as bytes and resolves `until(text)` when a predicate over it first holds. */
export function collect(child: ChildProcessWithoutNullStreams): { bytes(): Buffer; until(test: (text: string) => boolean, ms?: number): Promise<string> } {
  const chunks: Buffer[] = [];
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    for (const wake of waiters.splice(0)) wake();
  });
  const bytes = () => Buffer.concat(chunks);
  return {
    bytes,
    async until(test, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!test(bytes().toString())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting; output so far: ${JSON.stringify(bytes().toString())}`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 50);
        });
      }
      return bytes().toString();
    },
  };
}
