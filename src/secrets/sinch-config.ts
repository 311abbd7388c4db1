// Reads the Sinch CLI's local login (~/.sinch/config.json): the project id and key id, which are not secret.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { isObject } from '../text.js';
import type { SecretSource } from './resolve.js';

/** Which config.json field answers which base credential (the key secret itself lives in the keychain). */
const FIELDS: Readonly<Record<string, string>> = { PROJECT_ID: 'projectId', PROJECT_ID_API_KEY: 'keyId' };

/** Path of the Sinch CLI's config for a home directory. */
export function sinchConfigPath(home: string): string {
  return join(home, '.sinch', 'config.json');
}

/** A source for PROJECT_ID and PROJECT_ID_API_KEY from ~/.sinch/config.json; an unreadable file is a warning. */
export function sinchConfigSource(home: string, log: Logger): SecretSource {
  const path = sinchConfigPath(home);
  return {
    name: 'sinch-config',
    read: async (keys) => {
      const wanted = keys.filter((key) => FIELDS[key] !== undefined);
      if (wanted.length === 0) return {};
      let data: unknown;
      try {
        data = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // It is the Sinch CLI's file, not ours: a broken one must not stop the function, only be reported.
        if (code !== 'ENOENT') log.warn(`${path}: ignored (${code ?? 'not valid JSON'})`);
        return {};
      }
      const found: Record<string, string> = {};
      if (!isObject(data)) return found;
      for (const key of wanted) {
        const value = data[FIELDS[key] as string];
        if (typeof value === 'string' && value !== '') found[key] = value;
      }
      return found;
    },
  };
}
