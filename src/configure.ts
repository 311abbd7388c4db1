// The configuration model at boot: sinch.json and .env, then each key's value from the sources in their order.
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { readDotenv, readSinchJson } from './config.js';
import { modeEnvironment, parseEnvironment } from './environment.js';
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { Logger } from './log.js';
import { BASE_CREDENTIALS, clientsNeedingBase } from './sdk-clients.js';
import { CLI_ALIASES, envSource } from './secrets/env.js';
import { filesSource, secretsDir } from './secrets/files.js';
import { mapSource, resolveSecrets, storeSource, type LocalStore, type Resolved, type SecretSource } from './secrets/resolve.js';
import { sinchConfigSource } from './secrets/sinch-config.js';

const CREDENTIAL_PARAM = /sig|token|secret|credential|key|auth|pass/i;

export interface ConfigureOptions {
  dir: string;
  /** --environment; else $SINCH_ENVIRONMENT, else development. */
  environment?: string;
  /** --secrets-dir; else /run/secrets when it exists. */
  secretsDir?: string;
  allowMissing: boolean;
  /** Deadline for a secret store: all platform retries together, each keychain call. */
  storeTimeoutMs: number;
  /** The development store: --store / $SINCH_SECRETS_STORE. */
  store?: StoreChoice;
  /** False for `check`, which reports missing keys instead of failing on them. */
  enforce?: boolean;
  /** False for `redact`, to which the SDK clients are irrelevant. */
  clientsWarning?: boolean;
}

/**
 * Resolves the configuration: per key the first non-empty value of the environment, .env, mounted files, then
 * in development ~/.sinch/config.json and the keychain (or the file store), in production the platform store.
 * Every missing declared key at once is exit 78, unless allowed.
 */
export async function loadConfiguration(o: ConfigureOptions, log: Logger): Promise<Resolved> {
  const environment = parseEnvironment(o.environment, process.env.SINCH_ENVIRONMENT);
  const project = readSinchJson(o.dir);
  if (!project.found) log.notice(`no sinch.json in ${dirname(project.path)}: no variables, secrets not scoped to a function`);
  const declared = readDotenv(o.dir, log);
  const variables = { ...project.variables };
  const variableSources: Record<string, 'sinch.json' | 'platform' | 'env'> = {};
  for (const name of Object.keys(variables)) variableSources[name] = 'sinch.json';
  const optional = BASE_CREDENTIALS.filter((key) => !declared.keys.includes(key));
  const dir = secretsDir(o.secretsDir);
  const sources: SecretSource[] = [envSource(process.env), mapSource('dotenv', declared.values)];
  // Set, they may differ from the key they stand in for, and the child inherits them: mask them as well.
  const credentials = Object.values(CLI_ALIASES).filter((name) => process.env[name]).map((name) => ({ name, value: process.env[name]! }));
  if (dir) sources.push(filesSource(dir));
  if (environment === 'production') {
    const [{ platformSettings }, { fetchPlatformStore }] = await Promise.all([
      import('./secrets/platform-contract.js'),
      import('./secrets/platform.js'),
    ]);
    const settings = platformSettings(process.env);
    if (settings) {
      credentials.push({ name: 'SINCH_SECRETS_TOKEN', value: settings.token });
      // A signed URL carries its credential in the query (X-Amz-Signature, sig, token): mask those values, not the
      // expiry or algorithm beside them, which are ordinary words and numbers in any log.
      for (const [param, value] of settings.url.searchParams) if (CREDENTIAL_PARAM.test(param)) credentials.push({ name: 'SINCH_SECRETS_URL', value });
      const store = await fetchPlatformStore({ ...settings, deadlineMs: o.storeTimeoutMs, onWait: (message) => log.notice(message) });
      for (const [name, value] of Object.entries(store.variables)) [variables[name], variableSources[name]] = [value, 'platform'];
      optional.push(...Object.keys(store.secrets));
      sources.push(mapSource('platform', store.secrets));
    } else log.notice('production without SINCH_SECRETS_URL: secrets come only from the environment, .env values and mounted files');
  } else {
    // Opened on first use, so a boot whose keys all came from env or files never touches the keychain.
    let store: LocalStore | undefined;
    const local: SecretSource = {
      get name() {
        return store?.source ?? 'keychain';
      },
      read: async (keys) => storeSource((store ??= await openLocalStore(project.name, o.storeTimeoutMs, log, o.store))).read(keys),
    };
    sources.push(sinchConfigSource(homedir(), log), local);
  }
  // As for secrets, the environment comes first: `docker run -e COMPANY_NAME=...` overrides sinch.json.
  for (const name of Object.keys(variables)) if (process.env[name]) [variables[name], variableSources[name]] = [process.env[name]!, 'env'];
  const resolved = await resolveSecrets(
    { environment, functionName: project.name, runtime: project.runtime, variables, variableSources, required: declared.keys, optional },
    sources,
  );
  resolved.credentials = credentials;
  const base = (resolved.missingOptional ?? []).filter((key) => BASE_CREDENTIALS.includes(key));
  if (base.length && o.clientsWarning !== false) log.warn(`${base.join(', ')} not found: the ${clientsNeedingBase().join(', ')} clients will be unavailable`);
  if (o.enforce !== false && resolved.missing.length) {
    const message = `missing secrets: ${resolved.missing.join(', ')} (declared in ${declared.path}, found in no source)`;
    if (!o.allowMissing) throw new EntrypointError(message, ExitCode.config);
    log.warn(`${message}; continuing (--allow-missing)`);
  }
  return resolved;
}

/** The development secret store: the OS keychain, or the file store (with a notice) when no keychain is reachable. */
export async function openLocalStore(functionName: string | undefined, timeoutMs: number, log: Logger, choice: StoreChoice = 'auto'): Promise<LocalStore> {
  const fileStore = async (): Promise<LocalStore> => {
    const { fileStorePath, openFileStore } = await import('./secrets/filestore.js');
    return openFileStore(fileStorePath(functionName));
  };
  if (choice === 'file') return fileStore();
  const keychain = await import('./secrets/keychain.js');
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

/** The one boot line: mode, counts by source (never a value), the command, the child's pid, ms since we started. */
export function bootLine(r: Resolved, command: string[], pid: number): [string, Record<string, unknown>] {
  const bootMs = Math.round(process.uptime() * 1000); // not performance.now(): its module costs ~1.5 ms to load
  const count = (sources: string[]): Record<string, number> =>
    sources.reduce<Record<string, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {});
  const variables = count(Object.keys(r.variables).map((name) => r.variableSources?.[name] ?? 'sinch.json'));
  const secrets = count(r.secrets.map((s) => s.source));
  const show = (counts: Record<string, number>, total: number, noun: string): string =>
    `${total} ${noun}${total > 0 ? ` (${Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', ')})` : ''}`;
  const text = `${r.environment}: ${show(variables, Object.keys(r.variables).length, 'variables')}, ` +
    `${show(secrets, r.secrets.length, 'secrets')}; started ${command.join(' ')} (pid ${pid}) in ${bootMs} ms`;
  return [text, { mode: r.environment, variables, secrets, command, pid, bootMs }];
}

/** The child's environment: ours without the platform store's settings (ours to read, not the function's), then the variables, the secrets and the mode's. */
export function childEnvironment(r: Resolved, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const { SINCH_SECRETS_URL: _url, SINCH_SECRETS_TOKEN: _token, SINCH_SECRETS_TOKEN_FILE: _file, ...inherited } = env;
  const secrets = Object.fromEntries(r.secrets.map((s) => [s.name, s.value]));
  return { ...inherited, ...r.variables, ...secrets, ...modeEnvironment(r.environment) };
}
