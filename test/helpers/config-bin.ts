// Runs the built bin (bin/sinch-entrypoint.cjs) as a real process in a throwaway project with a hermetic environment.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const bin = fileURLToPath(new URL('../../bin/sinch-entrypoint.cjs', import.meta.url));

/** A fresh directory holding `files` (paths may have subdirectories). */
export function makeProject(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export interface BinResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `node bin/sinch-entrypoint.cjs ...args` in `cwd`: only PATH, HOME (default: cwd), CI=true and `env`; no bus unless given,
 * stdin empty unless `input`.
 */
export async function runBin(args: string[], o: { cwd: string; env?: Record<string, string>; input?: string }): Promise<BinResult> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  const started = Date.now();
  const result = await execa(process.execPath, [bin, ...args], {
    cwd: o.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: o.cwd, CI: 'true', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', ...o.env },
    extendEnv: false,
    input: o.input ?? '',
    reject: false,
    timeout: 20_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}
