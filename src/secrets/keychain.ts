// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows) under the Sinch CLI's names.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AsyncEntry } from '@napi-rs/keyring';
import { EntrypointError, ExitCode } from '../exit-codes.js';
import type { LocalStore, StoredEntry } from './resolve.js';

/** The Sinch CLI's keychain service; `sinch secrets add KEY` stores account `custom-KEY` under it. */
const SERVICE = 'sinch-cli';
const PREFIX = 'custom-';
// Without the pin the binding silently falls back to the kernel keyring on Linux and finds nothing there.
const OPTIONS = { linux: { store: 'secret-service' as const } };

let keyring: typeof import('@napi-rs/keyring') | undefined;

/** Whether a Secret Service could be reachable: elsewhere than Linux always; on Linux only over a session bus. */
function sessionBus(): boolean {
  if (process.platform !== 'linux' || process.env.DBUS_SESSION_BUS_ADDRESS) return true;
  return existsSync(join(process.env.XDG_RUNTIME_DIR ?? `/run/user/${process.getuid?.() ?? 0}`, 'bus'));
}

export interface KeychainEntry {
  service: string;
  account: string;
}

export interface KeychainOptions {
  /** sinch.json name: the namespace of function-scoped entries. */
  functionName?: string;
  /** Longest wait for one keychain call (a locked keychain may wait on a prompt). */
  timeoutMs: number;
}

/** The keychain could not be reached at all (no D-Bus, no Secret Service): the caller falls back to the file store. */
export class KeychainUnreachable extends Error {
  override name = 'KeychainUnreachable';
}

/**
 * Entries for a key, most specific first: service `sinch-cli/<function>` account `custom-<KEY>` (this function's
 * own value), then service `sinch-cli` account `custom-<KEY>` (shared, as `sinch secrets add` writes it).
 */
export function keychainEntries(key: string, functionName?: string): KeychainEntry[] {
  const global = { service: SERVICE, account: PREFIX + key };
  return functionName ? [{ service: `${SERVICE}/${functionName}`, account: PREFIX + key }, global] : [global];
}

/** Opens the keychain; one lookup proves it reachable, otherwise it throws KeychainUnreachable. */
export async function openKeychain(o: KeychainOptions): Promise<LocalStore> {
  const label = (e: KeychainEntry): string => `keychain (service ${e.service}, account ${e.account})`;
  // The Secret Service is reached over the D-Bus session bus: without one, loading the native binding (tens of ms)
  // only to hear it fail is the cost of every headless boot.
  if (!sessionBus()) throw new KeychainUnreachable('no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)');
  try {
    keyring ??= await import('@napi-rs/keyring');
  } catch (error) {
    // No prebuilt binding for this platform, or a broken install: there is no keychain to use.
    throw new KeychainUnreachable(`the keychain binding cannot be loaded: ${firstLine((error as Error).message)}`);
  }
  try {
    await call(o, () => entry({ service: SERVICE, account: 'sinch-entrypoint-probe' }).getPassword(signal(o)));
  } catch (error) {
    const reason = (error as Error).message;
    if (/^Platform failure/.test(reason) || /DBus|D-Bus/.test(reason)) throw new KeychainUnreachable(firstLine(reason));
    throw failure(error);
  }
  const services = [...new Set(keychainEntries('KEY', o.functionName).map((e) => e.service))];
  // One search per service reads every entry at once: each pinned entry opens its own Secret Service session
  // (~20 ms here), so per-key lookups would cost two sessions per key at every boot. The probe above already proved
  // the Secret Service answers, so the unpinned search cannot have fallen back to the kernel keyring.
  let cache: Map<string, string> | undefined;
  const entries = async (): Promise<Map<string, string>> => {
    if (!cache) {
      const found = new Map<string, string>();
      for (const service of services) {
        for (const c of await call(o, () => keyring!.findCredentialsAsync(service, null, signal(o)))) found.set(`${service}\n${c.account}`, c.password);
      }
      cache = found;
    }
    return cache;
  };
  // The entry a key's value is read from: this function's own, else the shared one.
  const find = async (key: string): Promise<(StoredEntry & { value: string }) | undefined> => {
    const all = await entries();
    for (const e of keychainEntries(key, o.functionName)) {
      const value = all.get(`${e.service}\n${e.account}`);
      if (value) return { key, entry: label(e), shared: e.service === SERVICE && Boolean(o.functionName), value };
    }
    return undefined;
  };
  return {
    source: 'keychain',
    where: services.length > 1 ? `keychain (services ${services.join(' and ')})` : `keychain (service ${SERVICE})`,
    get: (key) => guard(async () => (await find(key))?.value),
    find: (key) => guard(() => find(key)),
    set: (key, value) => guard(async () => {
      const target = keychainEntries(key, o.functionName)[0] as KeychainEntry;
      const replaced = (await entries()).has(`${target.service}\n${target.account}`);
      cache = undefined;
      await call(o, () => entry(target).setPassword(value, signal(o)));
      return { entry: label(target), replaced };
    }),
    delete: (key) => guard(async () => {
      const found = await find(key);
      if (!found) return undefined;
      const target = keychainEntries(key, o.functionName).find((e) => label(e) === found.entry) as KeychainEntry;
      cache = undefined;
      await call(o, () => entry(target).deletePassword(signal(o)));
      return found.entry;
    }),
    list: () => guard(async () => {
      const seen = new Map<string, StoredEntry>();
      for (const id of (await entries()).keys()) {
        const key = /^custom-([A-Z0-9_]+)$/.exec(id.split('\n')[1] as string)?.[1];
        if (key && !seen.has(key)) seen.set(key, (await find(key))!);
      }
      return [...seen.values()].map(({ key, entry, shared }) => ({ key, entry, shared })).sort((a, b) => (a.key < b.key ? -1 : 1));
    }),
    // Reads from a Secret Service with no unlocked collection find nothing, and only a write fails: so try one.
    unwritable: () => guard(async () => {
      const probe = entry({ service: SERVICE, account: 'sinch-entrypoint-probe' });
      try {
        await call(o, () => probe.setPassword('probe', signal(o)));
      } catch {
        return `cannot be written (locked, or no default collection), so it may hold values it does not show: ${UNUSABLE_FIX}`;
      }
      await call(o, () => probe.deletePassword(signal(o)));
      return undefined;
    }),
  };
}

function entry(e: KeychainEntry): AsyncEntry {
  return new keyring!.AsyncEntry(e.service, e.account, OPTIONS);
}

function signal(o: KeychainOptions): AbortSignal {
  return AbortSignal.timeout(o.timeoutMs);
}

/** Runs one keychain call under the timeout; the binding's own abort may not interrupt a call already running. */
async function call<T>(o: KeychainOptions, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${o.timeoutMs} ms (locked, or waiting on a prompt?)`)), o.timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([run(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Maps any failure of a reached keychain to exit 69. */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw failure(error);
  }
}

/** What to do about a keychain that answers but cannot be used (locked, or no default collection to write to). */
const UNUSABLE_FIX = 'unlock it (log in to the desktop session, or gnome-keyring-daemon --unlock), or use the file store: --store file';

/** The keychain was reached but could not be read or written: exit 69 naming the reason (never a value). */
function failure(error: unknown): EntrypointError {
  if (error instanceof EntrypointError) return error;
  return new EntrypointError(`keychain could not be used: ${firstLine((error as Error).message)}: ${UNUSABLE_FIX}`, ExitCode.unavailable);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
