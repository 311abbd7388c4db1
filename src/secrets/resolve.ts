// Asks ordered secret sources for each key (first non-empty value wins) and lists every missing key at once.

/**
 * Where a value came from. `sinch-config` is ~/.sinch/config.json (the Sinch CLI's login: project and key ids);
 * the rest are the documented sources in their order.
 */
export type SourceName = 'env' | 'dotenv' | 'files' | 'sinch-config' | 'keychain' | 'filestore' | 'platform' | 'sinch.json';

/** A value a source holds as bytes that are not UTF-8 text (a binary secret file): `value` is their lossy decoding. */
export interface Held {
  value: string;
  bytes: Buffer;
}

export interface ResolvedSecret {
  name: string;
  value: string;
  source: SourceName;
  /** The value as its source held it, when that is not the UTF-8 of value. */
  bytes?: Buffer;
}

export interface Resolved {
  environment: 'development' | 'production';
  /** sinch.json name. */
  functionName?: string;
  /** sinch.json runtime, e.g. nodejs20, dotnet8. */
  runtime?: string;
  /** Non-secret, never masked. */
  variables: Record<string, string>;
  /** Every value is masked by the redactor. */
  secrets: ResolvedSecret[];
  /** Values later sources offered for a key an earlier one answered: the function can read those too, so masked. */
  shadowed?: ResolvedSecret[];
  /** Declared keys (in .env, or declared base credentials) with no value anywhere. */
  missing: string[];
  /** How to give them in this mode (configure.ts fills it in), for the error that names them. */
  missingFix?: string;
  /** Where each variable came from. */
  variableSources?: Record<string, 'sinch.json' | 'platform' | 'env'>;
  /** Base credentials not declared in .env and found nowhere: a warning, not an error. */
  missingOptional?: string[];
  /** Secret values of our own settings (the store's token, the Sinch CLI's SINCH_* overrides): masked too. */
  credentials?: { name: string; value: string }[];
  /** The keys that must have a value, and every key looked up (they and the optional ones), in order. */
  required?: readonly string[];
  wanted?: string[];
  /**
   * What can be read again while the function runs (src/watch/): the mounted secrets' directory, and the platform
   * store's settings (its token: never shown anywhere) with the ETag of its boot answer.
   */
  refresh?: { secretsDir?: string; platform?: { url: URL; token: string; etag?: string } };
}

/** One place secret values can come from; every source answers the same small question. */
export interface SecretSource {
  readonly name: SourceName;
  /** Asked only for the keys still without a value: a store that is slow to open or may prompt (the keychain). */
  readonly lazy?: boolean;
  /** Values this source holds for any of `keys`; a key it does not hold is simply absent. */
  read(keys: readonly string[]): Promise<Record<string, string | Held>>;
}

/** One stored entry of a key, named as messages show it: `keychain (service S, account A)`, `file store PATH`. */
export interface StoredEntry {
  key: string;
  entry: string;
  /** Shared by every function (the Sinch CLI's `sinch-cli` service), not this function's own. */
  shared: boolean;
}

/** A development secret store (the keychain or the file store) under one function's namespace. */
export interface LocalStore {
  readonly source: 'keychain' | 'filestore';
  /** Human description of where values are kept, for messages (never a value). */
  readonly where: string;
  get(key: string): Promise<string | undefined>;
  /** The entry `get` reads the key from, or undefined. */
  find(key: string): Promise<(StoredEntry & { value: string }) | undefined>;
  /** Stores the value in this function's own entry; resolves to it, whether it held a value already, and what the
   * person should know about where it went (the file store says once, when it is made, that it is plain text). */
  set(key: string, value: string): Promise<{ entry: string; replaced: boolean; notice?: string }>;
  /** Deletes the entry `find` names; resolves to it, or undefined when there was nothing. */
  delete(key: string): Promise<string | undefined>;
  /** Every stored key, sorted, a key stored both shared and function-scoped once (as `find` sees it). */
  list(): Promise<StoredEntry[]>;
  /** Why no value can be written, with the fix, or undefined: tells "nothing stored" from a keychain whose reads
   * find nothing because no collection is unlocked. */
  unwritable(): Promise<string | undefined>;
}

/** A source over values already in hand (a non-empty `.env` value, the platform store's `secrets`). */
export function mapSource(name: SourceName, values: Record<string, string>): SecretSource {
  return {
    name,
    read: async (keys) => Object.fromEntries(keys.filter((k) => Object.hasOwn(values, k)).map((k) => [k, values[k] as string])),
  };
}

/** A source reading one key at a time from a local store. */
export function storeSource(store: LocalStore): SecretSource {
  return {
    name: store.source,
    read: async (keys) => {
      const found: Record<string, string> = {};
      for (const key of keys) {
        const value = await store.get(key);
        if (value !== undefined) found[key] = value;
      }
      return found;
    },
  };
}

export interface ResolveInput {
  environment: Resolved['environment'];
  functionName?: string;
  runtime?: string;
  variables: Record<string, string>;
  variableSources?: Resolved['variableSources'];
  /** Keys that must have a value (declared in .env), in order. */
  required: readonly string[];
  /** Keys looked up but allowed to stay empty (undeclared base credentials, undeclared platform secrets). */
  optional: readonly string[];
}

/**
 * Asks each source, in order, for every key (a lazy one only for the keys still without a value); the first
 * non-empty value wins, and the values of later sources are kept as `shadowed`: the function can read them too.
 */
export async function resolveSecrets(input: ResolveInput, sources: readonly SecretSource[]): Promise<Resolved> {
  const wanted = [...new Set([...input.required, ...input.optional])];
  const found = new Map<string, ResolvedSecret>();
  const shadowed: ResolvedSecret[] = [];
  for (const source of sources) {
    const keys = source.lazy ? wanted.filter((key) => !found.has(key)) : wanted;
    if (keys.length === 0) continue;
    const values = await source.read(keys);
    for (const key of keys) {
      const offered = values[key];
      if (offered === undefined || offered === '') continue;
      const secret: ResolvedSecret = typeof offered === 'string' ? { name: key, value: offered, source: source.name } : { name: key, ...offered, source: source.name };
      if (found.has(key)) shadowed.push(secret);
      else found.set(key, secret);
    }
  }
  const required = new Set(input.required);
  const resolved: Resolved = {
    environment: input.environment,
    variables: input.variables,
    secrets: wanted.filter((key) => found.has(key)).map((key) => found.get(key) as ResolvedSecret),
    missing: input.required.filter((key) => !found.has(key)),
    missingOptional: wanted.filter((key) => !required.has(key) && !found.has(key)),
    shadowed,
    required: input.required,
    wanted,
  };
  if (input.functionName !== undefined) resolved.functionName = input.functionName;
  if (input.runtime !== undefined) resolved.runtime = input.runtime;
  if (input.variableSources !== undefined) resolved.variableSources = input.variableSources;
  return resolved;
}
