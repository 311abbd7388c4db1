// Maps the development / production switch to the variables each runtime reads to learn where it runs.
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { EntrypointError, ExitCode } from './exit-codes.js';

export type Mode = 'development' | 'production';

const MODES: readonly Mode[] = ['development', 'production'];

/** The mode from --environment, else SINCH_ENVIRONMENT, else development; a bad value names where it came from. */
export function parseEnvironment(flag: string | undefined, fromEnv: string | undefined): Mode {
  const [value, origin] = flag !== undefined ? [flag, '--environment'] : [fromEnv, 'SINCH_ENVIRONMENT'];
  if (value === undefined || value === '') return 'development';
  const mode = value.toLowerCase();
  if ((MODES as readonly string[]).includes(mode)) return mode as Mode;
  // A bad flag is a usage error; a bad variable is the container's configuration.
  const code = origin === '--environment' ? ExitCode.usage : ExitCode.config;
  // The value itself is not shown: whatever sits in a misplaced flag may be a secret.
  throw new EntrypointError(`${origin}: expected development or production`, code);
}

/** The child's mode variables: NODE_ENV for Node.js, ASPNETCORE_ENVIRONMENT and DOTNET_ENVIRONMENT for .NET. */
export function modeEnvironment(mode: Mode): Record<string, string> {
  const title = mode === 'production' ? 'Production' : 'Development';
  return { NODE_ENV: mode, ASPNETCORE_ENVIRONMENT: title, DOTNET_ENVIRONMENT: title };
}

/**
 * The mode's variables, less those the user set (`set`: the process environment, then sinch.json's variables):
 * an explicit `ASPNETCORE_ENVIRONMENT=Staging` wins over the mode's default. `kept` tells which, for a notice.
 */
export function modeDefaults(mode: Mode, set: Record<string, string | undefined>): { values: Record<string, string>; kept: string[] } {
  const values: Record<string, string> = {};
  const kept: string[] = [];
  for (const [name, value] of Object.entries(modeEnvironment(mode))) {
    const own = set[name];
    if (!own) values[name] = value;
    else if (own !== value) kept.push(`${name}=${own} (set by you) kept over the ${mode} mode's ${name}=${value}`);
  }
  return { values, kept };
}

/**
 * Blanks the values of `names` in our initial environment block: /proc/<our pid>/environ shows that block, not
 * process.env, to every process of our uid, the function included, for as long as we run. The kernel keeps it in our
 * own memory (proc(5): env_start, env_end), which /proc/self/mem lets us overwrite. Linux only; where that is refused
 * (no /proc, a hardened kernel) the block stays as it was (README: what remains).
 */
export function scrubInitialEnvironment(names: readonly string[]): void {
  if (process.platform !== 'linux') return;
  let fd: number | undefined;
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    // Fields 50 and 51 of proc(5); the command name (field 2, in parentheses) may hold spaces, so count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [start, end] = [Number(fields[47]), Number(fields[48])];
    if (!(start > 0 && end > start)) return;
    fd = openSync('/proc/self/mem', 'r+');
    const block = Buffer.alloc(end - start);
    readSync(fd, block, 0, block.length, start);
    for (let at = 0; at < block.length; ) {
      const next = block.indexOf(0, at) < 0 ? block.length : block.indexOf(0, at);
      const entry = block.toString('latin1', at, next);
      const name = entry.slice(0, entry.indexOf('='));
      if (entry.includes('=') && names.includes(name)) {
        const from = at + name.length + 1;
        writeSync(fd, Buffer.alloc(next - from), 0, next - from, start + from);
      }
      at = next + 1;
    }
  } catch {
    // Not ours to fix: the README says what a function of our uid can read then.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
