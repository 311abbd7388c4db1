// `secrets add|list|get|delete` over a local store; cli.ts hands it the store, the .env writer and the terminal.
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { Logger } from './log.js';
// A type only (erased at build): the store contract lives with the sources that implement it; cli.ts passes one in.
import type { LocalStore } from './secrets/resolve.js';
import type { SecretsAction } from './options.js';
import { KEY_PATTERN } from './text.js';


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
  /** The .env file that declares `key`, or undefined. */
  declaredIn(key: string): string | undefined;
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
  // A keychain with no unlocked collection reads as empty: before saying "nothing stored", make sure it can hold anything.
  const unusable = async (): Promise<void> => {
    const why = await store.unwritable();
    if (why) throw new EntrypointError(`${store.where}: ${why}`, ExitCode.unavailable);
  };
  switch (action) {
    case 'list': {
      const entries = await store.list();
      if (entries.length === 0) await unusable();
      for (const e of entries) io.out(e.shared ? `${e.key}  shared by every function: ${e.entry}` : e.key);
      return ExitCode.ok;
    }
    case 'add': {
      const before = await store.find(key);
      const { entry, replaced, notice } = await store.set(key, value as string);
      if (notice) io.log.notice(notice);
      io.out(`${replaced ? 'replaced the value of' : 'stored'} ${key} in ${entry}`);
      if (before?.shared) io.out(`this function now reads ${key} from there, not from the shared ${before.entry}`);
      const declared = io.declare(key);
      if (declared) io.out(`declared ${key}= in ${declared}`);
      return ExitCode.ok;
    }
    case 'get': {
      const found = await store.find(key);
      if (found === undefined) {
        await unusable();
        throw new EntrypointError(`${key} is not in the ${store.where}`, ExitCode.config);
      }
      io.out(o.show ? found.value : `${key} is set in ${found.entry}${found.shared ? ', shared by every function' : ''} (hidden; --show prints it)`);
      return ExitCode.ok;
    }
    case 'delete': {
      const found = await store.find(key);
      if (found === undefined) {
        // --force is `rm -f`: nothing to delete is fine.
        if (o.force) return ExitCode.ok;
        await unusable();
        throw new EntrypointError(`${key} is not in the ${store.where}`, ExitCode.config);
      }
      const shared = found.shared ? ' It is shared by every function, not only this one.' : '';
      if (!o.force && !(await io.confirm!(`Delete ${key} from ${found.entry}?${shared}`))) return ExitCode.ok;
      io.out(`deleted ${key} from ${await store.delete(key)}`);
      const next = await store.find(key);
      if (next) io.out(`${key} still has a value in ${next.entry}${next.shared ? ', shared by every function' : ''}`);
      const dotenv = io.declaredIn(key);
      if (dotenv && !next) io.out(`${dotenv} still declares ${key}=: remove that line if the function no longer needs it`);
      return ExitCode.ok;
    }
  }
}
