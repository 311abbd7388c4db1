// The fallback secret store when no keychain is reachable: one JSON file per function, mode 0600, as `gh` does.
import { constants, existsSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { EntrypointError, ExitCode } from '../exit-codes.js';
import type { LocalStore } from './resolve.js';

/** `$XDG_CONFIG_HOME/sinch-entrypoint/<function>.json` (default ~/.config/...); `default.json` without a function name. */
export function fileStorePath(functionName: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'sinch-entrypoint', `${functionName ?? 'default'}.json`);
}

/** Opens the file store at `path`; the file is created on the first `set`. */
export function openFileStore(path: string): LocalStore {
  const entry = `file store ${path}`;
  return {
    source: 'filestore',
    where: entry,
    get: async (key) => (await load(path))[key] || undefined,
    find: async (key) => {
      const value = (await load(path))[key];
      return value ? { key, entry, shared: false, value } : undefined;
    },
    set: async (key, value) => {
      const made = !existsSync(path);
      const data = await load(path);
      const replaced = Boolean(data[key]);
      data[key] = value;
      await save(path, data);
      return { entry, replaced, ...(made ? { notice: `made ${path}: the file store keeps values as plain JSON, readable by your user only (mode 0600); a keychain encrypts them` } : {}) };
    },
    delete: async (key) => {
      const data = await load(path);
      if (!Object.hasOwn(data, key)) return undefined;
      delete data[key];
      await save(path, data);
      return entry;
    },
    list: async () => Object.keys(await load(path)).sort().map((key) => ({ key, entry, shared: false })),
    unwritable: async () => undefined,
  };
}

/** Reads the store, refusing a file others could read or that belongs to someone else (secrets would be exposed). */
async function load(path: string): Promise<Record<string, string>> {
  let handle;
  try {
    // O_NOFOLLOW: a symlink planted at this path must not redirect us to another user's file.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new EntrypointError(`${path}: cannot be read (${code === 'ELOOP' ? 'is a symlink' : code})`, ExitCode.config);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new EntrypointError(`${path}: is not a regular file`, ExitCode.config);
    if ((info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new EntrypointError(`${path}: readable by group or others (mode ${mode}); run: chmod 600 ${path}`, ExitCode.config);
    }
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) {
      throw new EntrypointError(`${path}: owned by uid ${info.uid}, not by us (uid ${uid})`, ExitCode.config);
    }
    let data: unknown;
    try {
      data = JSON.parse(await handle.readFile('utf8'));
    } catch {
      throw new EntrypointError(`${path}: is not valid JSON`, ExitCode.config);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new EntrypointError(`${path}: must hold a JSON object of KEY: "value"`, ExitCode.config);
    }
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string') throw new EntrypointError(`${path}: ${key} must be a string`, ExitCode.config);
    }
    return data as Record<string, string>;
  } finally {
    await handle.close();
  }
}

/** Writes a new file with mode 0600 beside the old one and renames it over, so a crash never leaves half a store. */
async function save(path: string, data: Record<string, string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await unlink(temp).catch(() => undefined); // left by a crashed writer with our pid
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(JSON.stringify(data, null, 2) + '\n');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
