// Reads the project's sinch.json (variables) and .env (declared secret keys) into plain data; fetches no values.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'dotenv';
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { Logger } from './log.js';
import { jsonErrorPosition } from './json-position.js';
import { isObject, KEY_PATTERN, VARIABLE_NAME } from './text.js';

export interface Project {
  /** Absolute path of sinch.json, whether or not it exists. */
  path: string;
  found: boolean;
  name?: string;
  runtime?: string;
  variables: Record<string, string>;
}

export interface Declarations {
  path: string;
  found: boolean;
  /** Declared keys in file order, each once. */
  keys: string[];
  /** Non-empty values written in .env (still secrets); an empty `KEY=` is absent here. */
  values: Record<string, string>;
  /** Values of a key declared again, which the later one overrides: masked as well. */
  shadowed?: { name: string; value: string }[];
}

/** The entrypoint's own settings: read by us and kept from the function, so never a variable or secret of its own. */
export const OWN_SETTINGS: readonly string[] = ['SINCH_SECRETS_URL', 'SINCH_SECRETS_TOKEN', 'SINCH_SECRETS_TOKEN_FILE'];

/** The error for one of OWN_SETTINGS declared as the function's, naming where (a file, a line, the store). */
export function ownSetting(where: string, key: string): EntrypointError {
  return new EntrypointError(`${where}: ${key} is the entrypoint's own setting, not the function's: remove it (set it in the container's environment)`, ExitCode.config);
}

/** The runtimes' mode settings: the mode sets them, a user may set them, but they are never secrets. */
export const MODE_SETTINGS: readonly string[] = ['NODE_ENV', 'ASPNETCORE_ENVIRONMENT', 'DOTNET_ENVIRONMENT'];

/** `dir`, else its nearest parent, that holds a sinch.json (as npm finds package.json); undefined when none does. */
export function findProjectDir(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(resolve(at, 'sinch.json'))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * Whether a .env value looks like a setting rather than a secret: a number, a boolean, a log level, one short word.
 * Every value in .env is a secret, so each occurrence of `info` or `3000` in the logs would be masked.
 */
export function looksLikeSetting(value: string): boolean {
  return /^(?:-?\d+(?:\.\d+)?|true|false|yes|no|on|off|null|none)$/i.test(value) || /^[a-z]{1,12}$/i.test(value);
}

// The function name becomes a keychain service and a file name, so it must be a plain, safe word.
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Reads and validates sinch.json in `dir`; a missing file is allowed (found: false), a bad one is exit 78. */
export function readSinchJson(dir: string): Project {
  const path = resolve(dir, 'sinch.json');
  const text = readOptional(path);
  if (text === undefined) return { path, found: false, variables: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const { line, column } = jsonErrorPosition(text, (error as Error).message);
    throw new EntrypointError(`${path}:${line}:${column}: invalid JSON (${(error as Error).message.replace(/ in JSON at position \d+$/, '').replace(/, (?:\.\.\.)?".*$/s, '')})`, ExitCode.config);
  }
  const bad = (key: string, want: string, got: unknown): EntrypointError =>
    new EntrypointError(`${path}: ${key} must be ${want} (got ${quoteValue(got)})`, ExitCode.config);
  if (!isObject(data)) throw bad('the top level', 'an object', data);
  const project: Project = { path, found: true, variables: {} };
  if (data.name !== undefined) {
    if (typeof data.name !== 'string' || !NAME_PATTERN.test(data.name)) {
      throw bad('name', 'a string of letters, digits, ".", "_" or "-"', data.name);
    }
    project.name = data.name;
  }
  if (data.runtime !== undefined) {
    if (typeof data.runtime !== 'string' || data.runtime === '') throw bad('runtime', 'a non-empty string', data.runtime);
    project.runtime = data.runtime;
  }
  if (data.variables !== undefined) {
    if (!isObject(data.variables)) throw bad('variables', 'an object', data.variables);
    for (const [key, value] of Object.entries(data.variables)) {
      if (!VARIABLE_NAME.test(key)) {
        throw new EntrypointError(`${path}: variables[${JSON.stringify(printable(key))}] is not a valid variable name`, ExitCode.config);
      }
      if (OWN_SETTINGS.includes(key)) throw ownSetting(`${path}: variables`, key);
      if (typeof value !== 'string') throw bad(`variables.${key}`, 'a string', value);
      project.variables[key] = value;
    }
  }
  return project;
}

/** Reads .env in `dir`: every `KEY=` line is a declared secret; a bad line is exit 78 naming its line number. */
export function readDotenv(dir: string, log: Logger): Declarations {
  const path = resolve(dir, '.env');
  const text = readOptional(path);
  if (text === undefined) return { path, found: false, keys: [], values: {} };
  const seen = new Map<string, number>();
  const lines = new Map<string, string[]>();
  const shadowed: { name: string; value: string }[] = [];
  let quote: string | undefined; // the quote of a multi-line value still open
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (quote !== undefined) {
      if (closes(raw, quote)) quote = undefined;
      return;
    }
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    // Never echo the line itself: a pasted secret without a key is exactly the line we must not print.
    const match = /^(?:export\s+)?([^\s=]+)\s*=(.*)$/.exec(trimmed);
    if (!match) throw new EntrypointError(`${path}:${line}: expected KEY=VALUE`, ExitCode.config);
    const [, key, rest] = match as unknown as [string, string, string];
    if (!KEY_PATTERN.test(key)) {
      // Not shown: a line that is not KEY=... is most often a pasted value.
      throw new EntrypointError(`${path}:${line}: the key must match [A-Z0-9_]+ (not shown)`, ExitCode.config);
    }
    if (OWN_SETTINGS.includes(key)) throw ownSetting(`${path}:${line}`, key);
    if (MODE_SETTINGS.includes(key)) {
      throw new EntrypointError(`${path}:${line}: ${key} is a setting, not a secret: set it in sinch.json variables or the environment`, ExitCode.config);
    }
    if (seen.has(key)) {
      log.warn(`${path}:${line}: ${key} is declared again (first on line ${seen.get(key)}); the later value wins`);
      // A reader that keeps the first value (or a loop over the lines) may print it: it is masked too.
      for (const earlier of lines.get(key) ?? []) {
        const value = parse(earlier)[key];
        if (value) shadowed.push({ name: key, value });
      }
    } else seen.set(key, line);
    lines.set(key, [...(lines.get(key) ?? []), raw]);
    const value = rest.trimStart();
    const open = value[0];
    if ((open === '"' || open === "'" || open === '`') && !closes(value.slice(1), open)) quote = open;
  });
  if (quote !== undefined) throw new EntrypointError(`${path}: a quoted value is never closed`, ExitCode.config);
  const parsed = parse(text);
  // dotenv decides what is declared too, as the function's own dotenv reads the file: the line scan above (for
  // messages with line numbers) may end a quoted value elsewhere (`"C:\data\"`) and skip the keys after it.
  const keys = [...seen.keys()];
  for (const key of Object.keys(parsed).filter((k) => !seen.has(k))) {
    if (!KEY_PATTERN.test(key)) throw new EntrypointError(`${path}: a key dotenv reads there does not match [A-Z0-9_]+ (not shown)`, ExitCode.config);
    if (OWN_SETTINGS.includes(key)) throw ownSetting(path, key);
    if (MODE_SETTINGS.includes(key)) throw new EntrypointError(`${path}: ${key} is a setting, not a secret: set it in sinch.json variables or the environment`, ExitCode.config);
    keys.push(key);
  }
  const values: Record<string, string> = {};
  for (const key of keys) if (parsed[key]) values[key] = parsed[key];
  return { path, found: true, keys, values, shadowed: shadowed.filter((s) => s.value !== values[s.name]) };
}

/** Appends `KEY=` to .env unless the key is already declared, as `sinch secrets add` does; true if it wrote. */
export function declareInDotenv(dir: string, key: string, log: Logger): boolean {
  const current = readDotenv(dir, log);
  if (current.keys.includes(key)) return false;
  let prefix = '';
  if (current.found) {
    const text = readFileSync(current.path, 'utf8');
    if (text.length > 0 && !text.endsWith('\n')) prefix = '\n';
  }
  appendFileSync(current.path, `${prefix}${key}=\n`, { mode: 0o600 });
  return true;
}

/** A project file without its byte-order mark, or undefined when absent; unreadable is exit 78. */
function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EntrypointError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code})`, ExitCode.config);
  }
}

function closes(text: string, quote: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return true;
  }
  return false;
}

function quoteValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // sinch.json is committed and holds no secrets, so a short quote of a wrong value helps.
  return typeof value === 'string' ? JSON.stringify(printable(value).slice(0, 40)) : typeof value;
}

// sinch.json is committed and holds no secret, but keep control characters out of the terminal.
function printable(key: string): string {
  return key.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}
