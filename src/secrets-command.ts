// `secrets add|list|get|delete` over a local store; cli.ts hands it the store, the .env writer and the terminal.
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { Logger } from './log.js';
// A type only (erased at build): the store contract lives with the sources that implement it; cli.ts passes one in.
import type { LocalStore } from './secrets/resolve.js';
import { KEY_PATTERN } from './text.js';

export type SecretsAction = 'add' | 'list' | 'get' | 'delete';

export interface SecretsOptions {
  key?: string;
  /** VALUE from the command line; undefined, '' or '-' mean stdin (yargs turns '-' into ''). */
  value?: string;
  show?: boolean;
  force?: boolean;
}

export interface SecretsIO {
  /** Opened only after the arguments are checked (opening the keychain may print a fallback notice). */
  openStore(): Promise<LocalStore>;
  /** Declares `KEY=` in .env when absent; resolves to the file's path when it wrote. */
  declare(key: string): string | undefined;
  /** The value from stdin: a hidden prompt at a terminal, else everything piped in. */
  readValue(key: string): Promise<string>;
  /** Asks yes/no at a terminal; undefined when there is no terminal to ask. */
  confirm?: (question: string) => Promise<boolean>;
  out(line: string): void;
  log: Logger;
}

/** Runs one `secrets` action and resolves to its exit code; user errors throw EntrypointError. */
export async function secretsCommand(action: SecretsAction, o: SecretsOptions, io: SecretsIO): Promise<number> {
  const key = o.key ?? '';
  // Never echo a bad key: a value typed in the key's place is exactly what must stay off the screen.
  if (action !== 'list' && !KEY_PATTERN.test(key)) throw new EntrypointError(`secrets ${action}: the key must match [A-Z0-9_]+`, ExitCode.usage);
  const fromArgs = o.value !== undefined && o.value !== '' && o.value !== '-';
  if (action === 'add' && fromArgs) io.log.notice('a value on the command line is visible in ps and shell history; pipe it on stdin instead');
  if (action === 'delete' && !o.force && !io.confirm) {
    throw new EntrypointError(`secrets delete ${key}: no terminal to confirm; pass --force`, ExitCode.usage);
  }
  const value = action === 'add' ? (fromArgs ? (o.value as string) : await io.readValue(key)) : undefined;
  if (value === '') throw new EntrypointError(`secrets add ${key}: empty value`, ExitCode.usage);
  const store = await io.openStore();
  switch (action) {
    case 'list':
      for (const name of await store.list()) io.out(name);
      return ExitCode.ok;
    case 'add': {
      io.out(`stored ${key} in ${await store.set(key, value as string)}`);
      const declared = io.declare(key);
      if (declared) io.out(`declared ${key}= in ${declared}`);
      return ExitCode.ok;
    }
    case 'get': {
      const stored = await store.get(key);
      if (stored === undefined) throw new EntrypointError(`${key} is not in the ${store.where}`, ExitCode.config);
      io.out(o.show ? stored : `${key} is set in the ${store.where} (hidden; --show prints it)`);
      return ExitCode.ok;
    }
    case 'delete': {
      if (!o.force && !(await io.confirm!(`Delete ${key} from the ${store.where}?`))) return ExitCode.ok;
      const where = await store.delete(key);
      if (where) io.out(`deleted ${key} from ${where}`);
      // --force is `rm -f`: nothing to delete is fine.
      else if (!o.force) throw new EntrypointError(`${key} is not in the ${store.where}`, ExitCode.config);
      return ExitCode.ok;
    }
  }
}
