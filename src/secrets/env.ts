// The first secret source: values already in the process environment (a platform or `docker run -e` put them there).
import type { SecretSource } from './resolve.js';

/** The Sinch CLI's CI override for the base credentials, consulted after the key's own name. */
export const CLI_ALIASES: Readonly<Record<string, string>> = {
  PROJECT_ID: 'SINCH_PROJECT_ID',
  PROJECT_ID_API_KEY: 'SINCH_KEY_ID',
  PROJECT_ID_API_SECRET: 'SINCH_KEY_SECRET',
};

/** Reads KEY from `env`, or for a base credential its SINCH_* alias; an empty variable counts as absent. */
export function envSource(env: Readonly<Record<string, string | undefined>>): SecretSource {
  return {
    name: 'env',
    read: async (keys) => {
      const found: Record<string, string> = {};
      for (const key of keys) {
        const alias = CLI_ALIASES[key];
        const value = env[key] || (alias !== undefined ? env[alias] : undefined);
        if (value) found[key] = value;
      }
      return found;
    },
  };
}
