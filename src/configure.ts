// The configuration model at boot: sinch.json and .env, then each key's value from the sources in their order.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { looksLikeSetting, OWN_SETTINGS, ownSetting, readDotenv, readSinchJson } from './config.js';
import { modeDefaults, parseEnvironment, scrubInitialEnvironment } from './environment.js';
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { Logger } from './log.js';
import type { Secret } from './redact/needles.js';
import { BASE_CREDENTIALS, clientsNeedingBase } from './sdk-clients.js';
import { trimFinalNewline } from './text.js';
import { CLI_ALIASES, envSource } from './secrets/env.js';
import { openLocalStore, storeChoice, type StoreChoice } from './secrets/local-store.js';
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
  /** The development store: --store, else $SINCH_SECRETS_STORE (read only when a development store is opened). */
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
  const declared = readDotenv(o.dir, log);
  for (const [key, value] of Object.entries(declared.values)) {
    if (looksLikeSetting(value)) log.warn(`${declared.path}: ${key} looks like a setting, not a secret (a number, a word, true/false), so its value would be masked wherever it appears in the logs: put settings in sinch.json variables`);
  }
  const variables = { ...project.variables };
  const variableSources: Record<string, 'sinch.json' | 'platform' | 'env'> = {};
  for (const name of Object.keys(variables)) variableSources[name] = 'sinch.json';
  const optional = BASE_CREDENTIALS.filter((key) => !declared.keys.includes(key));
  const dir = secretsDir(o.secretsDir);
  const sources: SecretSource[] = [envSource(process.env), mapSource('dotenv', declared.values)];
  // Set, they may differ from the key they stand in for, and the child inherits them: mask them as well.
  const credentials: Secret[] = Object.values(CLI_ALIASES).filter((name) => process.env[name]).map((name) => ({ name, value: process.env[name]! }));
  if (dir) sources.push(filesSource(dir));
  let storeToken: string | undefined;
  const refresh: NonNullable<Resolved['refresh']> = dir ? { secretsDir: dir } : {};
  if (environment === 'production') {
    const [{ platformSettings }, { fetchPlatformStore }] = await Promise.all([
      import('./secrets/platform-contract.js'),
      import('./secrets/platform.js'),
    ]);
    const settings = platformSettings(process.env);
    if (settings) {
      storeToken = settings.token;
      const store = await fetchPlatformStore({ ...settings, deadlineMs: o.storeTimeoutMs, onWait: (message) => log.notice(message) });
      refresh.platform = { ...settings, ...(store.etag ? { etag: store.etag } : {}) };
      for (const part of ['variables', 'secrets'] as const) {
        for (const name of Object.keys(store[part])) if (OWN_SETTINGS.includes(name)) throw ownSetting(`the platform store's ${part}`, name);
      }
      for (const [name, value] of Object.entries(store.variables)) [variables[name], variableSources[name]] = [value, 'platform'];
      optional.push(...Object.keys(store.secrets));
      sources.push(mapSource('platform', store.secrets));
    } else log.notice('production without SINCH_SECRETS_URL: secrets come only from the environment, .env values and mounted files');
  } else {
    // Opened on first use, so a boot whose keys all came from env or files never touches the keychain.
    let store: LocalStore | undefined;
    const local: SecretSource = {
      lazy: true,
      get name() {
        return store?.source ?? 'keychain';
      },
      read: async (keys) => storeSource((store ??= await openLocalStore(project.name, o.storeTimeoutMs, log, storeChoice(o.store)))).read(keys),
    };
    sources.push(sinchConfigSource(homedir(), log), local);
  }
  // Our own settings, in any mode (set in development too, they are still a token and a signed URL): masked, and,
  // read by now, blanked in our initial environment, which the function can read (README).
  credentials.push(...(declared.shadowed ?? []));
  credentials.push(...ownCredentials(process.env, storeToken));
  if (OWN_SETTINGS.some((name) => process.env[name] !== undefined)) scrubInitialEnvironment(OWN_SETTINGS);
  const secretNames = new Set([...declared.keys, ...optional, ...Object.values(CLI_ALIASES)]);
  sources.push(...variablesNamedAsSecrets(variables, variableSources, secretNames, project.path, credentials, log));
  // As for secrets, the environment comes first: `docker run -e COMPANY_NAME=...` overrides sinch.json.
  for (const name of Object.keys(variables)) if (process.env[name]) [variables[name], variableSources[name]] = [process.env[name]!, 'env'];
  const resolved = await resolveSecrets(
    { environment, functionName: project.name, runtime: project.runtime, variables, variableSources, required: declared.keys, optional },
    sources,
  );
  resolved.credentials = credentials;
  resolved.refresh = refresh;
  for (const s of resolved.secrets) {
    if (s.bytes) log.notice(`${s.name}: its file is not UTF-8 text, so it is not put in the environment (the function reads the file itself); its bytes are masked`);
  }
  const base = (resolved.missingOptional ?? []).filter((key) => BASE_CREDENTIALS.includes(key));
  if (base.length && o.clientsWarning !== false) log.notice(`${base.join(', ')} not found: the ${clientsNeedingBase().join(', ')} clients will be unavailable`);
  if (resolved.missing.length) resolved.missingFix = missingFix(environment, resolved.missing[0]!);
  if (o.enforce !== false && resolved.missing.length) {
    const message = `missing secrets: ${resolved.missing.join(', ')} (declared in ${declared.path}, found in no source): ${resolved.missingFix}`;
    if (!o.allowMissing) throw new EntrypointError(message, ExitCode.config);
    log.warn(`${message}; continuing (--allow-missing)`);
  }
  return resolved;
}

/**
 * A name is a variable or a secret, never both. A variable named like a secret (declared in .env, a base credential,
 * one of the platform store's secrets) leaves `variables`, with a warning, so that neither `check` nor the
 * environment override shows that secret's value as a variable's; its own value becomes the secret's last source
 * (masked, never shown), so a function that relied on it keeps it. One named like a Sinch CLI override is dropped.
 */
function variablesNamedAsSecrets(
  variables: Record<string, string>, origins: Record<string, string>, secretNames: Set<string>, path: string, credentials: Secret[], log: Logger,
): SecretSource[] {
  const fallback = { 'sinch.json': {} as Record<string, string>, platform: {} as Record<string, string> };
  for (const name of Object.keys(variables).filter((n) => secretNames.has(n))) {
    const origin = origins[name] === 'platform' ? 'platform' : 'sinch.json';
    const where = origin === 'platform' ? "the platform store's variables" : `${path}: variables`;
    const alias = Object.values(CLI_ALIASES).includes(name);
    log.warn(`${where}.${name} is a secret's name: ${alias ? 'ignored (a Sinch CLI override, set it in the environment)' : 'taken as that secret (never shown, masked), used only when no secret source has a value'}`);
    if (alias) credentials.push({ name, value: variables[name]! });
    else fallback[origin][name] = variables[name]!;
    delete variables[name];
    delete origins[name];
  }
  return [mapSource('platform', fallback.platform), mapSource('sinch.json', fallback['sinch.json'])];
}

/**
 * Everything to mask: each key's value, the values the other sources offered for it (the function can read those
 * too) and our own credentials; each also trimmed of blanks, as a function that trims its configuration prints it.
 */
export function secretsToMask(r: Resolved): Secret[] {
  const all: Secret[] = [];
  const add = (name: string, value: string, bytes?: Buffer): void => {
    all.push(bytes ? { name, value, bytes } : { name, value });
    const trimmed = value.trim();
    if (trimmed !== value && trimmed !== '') all.push({ name, value: trimmed });
  };
  for (const s of [...r.secrets, ...(r.shadowed ?? [])]) add(s.name, s.value, s.bytes);
  for (const c of r.credentials ?? []) add(c.name, c.value);
  return all;
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

/**
 * The platform store's token (`read` by the production boot; else given, or in its file, read best effort) and its
 * URL's credentials.
 */
function ownCredentials(env: NodeJS.ProcessEnv, read: string | undefined): Secret[] {
  const own: Secret[] = [];
  let token = read ?? env.SINCH_SECRETS_TOKEN;
  if (!token && env.SINCH_SECRETS_TOKEN_FILE) {
    try {
      token = trimFinalNewline(readFileSync(env.SINCH_SECRETS_TOKEN_FILE, 'utf8'));
    } catch {
      // Not ours to need outside production: a file we cannot read holds nothing we must mask.
    }
  }
  if (token) own.push({ name: 'SINCH_SECRETS_TOKEN', value: token });
  if (env.SINCH_SECRETS_URL) own.push(...urlCredentials(env.SINCH_SECRETS_URL));
  return own;
}

/**
 * The credential a signed URL carries in its query (X-Amz-Signature, sig, token): those values, not the expiry or
 * algorithm beside them, which are ordinary words and numbers in any log. A URL that does not parse is masked whole.
 */
function urlCredentials(url: string): Secret[] {
  try {
    return [...new URL(url).searchParams].filter(([param]) => CREDENTIAL_PARAM.test(param)).map(([, value]) => ({ name: 'SINCH_SECRETS_URL', value }));
  } catch {
    return [{ name: 'SINCH_SECRETS_URL', value: url }];
  }
}

/** How to give a missing secret in this mode, with `key` as the example, and the way to start without it. */
function missingFix(mode: string, key: string): string {
  // The directory is not named: a --secrets-dir may hold a value typed in the wrong place.
  const file = `a file ${key} in --secrets-dir (default: /run/secrets)`;
  const ways = mode === 'development'
    ? `sinch-entrypoint secrets add ${key}, or set it in the environment (${key}=...), or ${file}`
    : `set it in the environment (docker run -e ${key}=..., Kubernetes env), ${file}, or the platform store`;
  return `${ways}; or start without it: --allow-missing`;
}

/** The notices for mode settings the user set (the environment, sinch.json), which win over the mode's defaults. */
export function keptModeSettings(r: Resolved, env: NodeJS.ProcessEnv): string[] {
  return modeDefaults(r.environment, { ...env, ...r.variables }).kept;
}

/**
 * The child's environment: ours, the variables, the secrets (not one held as bytes: no environment can carry
 * them whole) and the mode's, without our own settings (ours to read, not the function's), whoever brought them.
 */
export function childEnvironment(r: Resolved, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const secrets = Object.fromEntries(r.secrets.filter((s) => !s.bytes).map((s) => [s.name, s.value]));
  const child: Record<string, string | undefined> = { ...env, ...r.variables, ...secrets, ...modeDefaults(r.environment, { ...env, ...r.variables }).values };
  for (const name of OWN_SETTINGS) delete child[name];
  return child;
}
