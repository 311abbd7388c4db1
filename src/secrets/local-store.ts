// The development secret store of a command: the OS keychain, the file store where no keychain is reachable, or
// the one the user chose (--store, SINCH_SECRETS_STORE).
import { EntrypointError, ExitCode } from '../exit-codes.js';
import type { Logger } from '../log.js';
import type { LocalStore } from './resolve.js';

/** The development secret store: the OS keychain, or the file store (with a notice) when no keychain is reachable. */
export async function openLocalStore(functionName: string | undefined, timeoutMs: number, log: Logger, choice: StoreChoice = 'auto'): Promise<LocalStore> {
  const fileStore = async (): Promise<LocalStore> => {
    const { fileStorePath, openFileStore } = await import('./filestore.js');
    return openFileStore(fileStorePath(functionName));
  };
  if (choice === 'file') return fileStore();
  const keychain = await import('./keychain.js');
  try {
    return await keychain.openKeychain({ functionName, timeoutMs });
  } catch (error) {
    if (!(error instanceof keychain.KeychainUnreachable)) throw error;
    if (choice === 'keychain') throw new EntrypointError(`keychain unreachable: ${error.message}; or use the file store: --store file`, ExitCode.unavailable);
    const store = await fileStore();
    log.notice(`no keychain reachable (${error.message}); using the ${store.where}`);
    return store;
  }
}

/** Which development store: the keychain with the file store as its fallback, or only one of them. */
export type StoreChoice = 'auto' | 'keychain' | 'file';

/** --store, else $SINCH_SECRETS_STORE, else auto; a bad environment value is exit 78 naming the variable. */
export function storeChoice(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreChoice {
  const value = flag ?? (env.SINCH_SECRETS_STORE || 'auto');
  if (value === 'auto' || value === 'keychain' || value === 'file') return value;
  throw new EntrypointError('SINCH_SECRETS_STORE: expected auto, keychain or file', ExitCode.config);
}

