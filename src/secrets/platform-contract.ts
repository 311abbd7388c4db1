// The platform store's contract: its settings from the environment, and the shape its answer must have.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { EntrypointError, ExitCode } from '../exit-codes.js';
import { isObject, trimFinalNewline, VARIABLE_NAME } from '../text.js';

export interface PlatformSettings {
  url: URL;
  token: string;
}

/** The response contract: `{"variables": {NAME: "value"}, "secrets": {NAME: "value"}}`, both optional. */
export interface PlatformData {
  variables: Record<string, string>;
  secrets: Record<string, string>;
}

/** SINCH_SECRETS_URL and its bearer token, or undefined without a URL; a bad setting is exit 78 (never echoing the token). */
export function platformSettings(env: Record<string, string | undefined>): PlatformSettings | undefined {
  const raw = env.SINCH_SECRETS_URL;
  if (!raw) return undefined;
  const bad = (message: string): EntrypointError => new EntrypointError(`SINCH_SECRETS_URL: ${message}`, ExitCode.config);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('not a valid URL');
  }
  if (url.username || url.password) throw bad('must not carry credentials; use SINCH_SECRETS_TOKEN');
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) throw bad(`plain http:// is allowed only for loopback, not ${url.host}`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(`must be https://, not ${url.protocol}`);
  let token = env.SINCH_SECRETS_TOKEN;
  const file = env.SINCH_SECRETS_TOKEN_FILE;
  if (!token && file) {
    try {
      token = trimFinalNewline(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new EntrypointError(`SINCH_SECRETS_TOKEN_FILE ${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, ExitCode.config);
    }
  }
  if (!token) throw bad('is set, but neither SINCH_SECRETS_TOKEN nor SINCH_SECRETS_TOKEN_FILE gives a token');
  if (/[\r\n\0]/.test(token)) throw new EntrypointError('the secrets token contains a line break or NUL', ExitCode.config);
  return { url, token };
}

/** Checks a response body against the contract: the data, or why it is unusable (naming fields, never values). */
export function parseStoreResponse(text: string): { data: PlatformData } | { fatal: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { fatal: 'malformed JSON in the response' };
  }
  if (!isObject(body)) return { fatal: 'the response is not a JSON object' };
  const data: PlatformData = { variables: {}, secrets: {} };
  for (const part of ['variables', 'secrets'] as const) {
    const map = body[part];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) return { fatal: `"${part}" in the response is not an object` };
    for (const [name, value] of Object.entries(map)) {
      if (!VARIABLE_NAME.test(name)) return { fatal: `"${part}" in the response has an invalid name` };
      if (typeof value !== 'string') return { fatal: `${part}.${name} in the response is not a string` };
      data[part][name] = value;
    }
  }
  return { data };
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
