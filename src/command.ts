// The command to run when none is given after `--`, derived from sinch.json's runtime and the project's files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EntrypointError, ExitCode } from './exit-codes.js';

export interface Command {
  command: string;
  args: string[];
}

/**
 * The default command for a runtime: `nodejs*` -> `node <package.json main, else index.js>`; `dotnet*` -> `dotnet
 * <Assembly>.dll`, the assembly named by the one `*.runtimeconfig.json` in `dir` (where `dotnet publish -o` puts it).
 * Paths are joined to `dir`, as the child runs in our working directory.
 */
export function deriveCommand(dir: string, runtime: string | undefined): Command {
  if (!runtime) {
    throw new EntrypointError('no command: give one after `--`, or set "runtime" in sinch.json', ExitCode.usage);
  }
  if (/^node(js)?/i.test(runtime)) return { command: 'node', args: [join(dir, nodeMain(dir))] };
  if (/^dotnet/i.test(runtime)) return { command: 'dotnet', args: [join(dir, dotnetAssembly(dir, runtime))] };
  throw new EntrypointError(`sinch.json: runtime "${runtime}" has no default command; give one after \`--\``, ExitCode.config);
}

/** package.json `main` (a file Node can load as given, with .js, or as a folder's index.js), else index.js. */
function nodeMain(dir: string): string {
  let main = 'index.js';
  let from = 'default';
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(manifest, 'utf8'));
    } catch {
      throw new EntrypointError(`${manifest}: not valid JSON`, ExitCode.config);
    }
    const value = (parsed as { main?: unknown } | null)?.main;
    if (typeof value === 'string' && value !== '') [main, from] = [value, `${manifest} "main"`];
  }
  const path = join(dir, main);
  if ([path, `${path}.js`, join(path, 'index.js')].some((p) => existsSync(p))) return main;
  throw new EntrypointError(`no default command: ${path} (${from}) does not exist; give the command after \`--\``, ExitCode.config);
}

/** The assembly beside the single `<Assembly>.runtimeconfig.json` in `dir`. */
function dotnetAssembly(dir: string, runtime: string): string {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.runtimeconfig.json'));
  } catch {
    throw new EntrypointError(`no default command: cannot read the directory ${dir}`, ExitCode.config);
  }
  if (names.length !== 1) {
    const found = names.length === 0 ? 'no *.runtimeconfig.json' : `several *.runtimeconfig.json (${names.join(', ')})`;
    throw new EntrypointError(
      `runtime "${runtime}": ${found} in ${dir}; run from the \`dotnet publish -o\` folder or give the command after \`--\``,
      ExitCode.config,
    );
  }
  const dll = `${names[0]!.slice(0, -'.runtimeconfig.json'.length)}.dll`;
  if (!existsSync(join(dir, dll))) {
    throw new EntrypointError(`runtime "${runtime}": ${names[0]} has no ${dll} beside it in ${dir}`, ExitCode.config);
  }
  return dll;
}
