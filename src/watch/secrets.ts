// Rotation (--watch-secrets): the mounted files and the platform store read again while the function runs, new
// values masked at once, and the function told, restarted or left alone as --on-secret-change says.
import type { Logger } from '../log.js';
import type { Secret } from '../redact/needles.js';
import type { Resolved } from '../secrets/resolve.js';
import { OWN_SETTINGS } from '../config.js';
import { environmentProblem } from '../spawn.js';
import type { ChildControl } from '../supervise.js';
import { watchSecretFiles } from './files.js';
import { Rotation, type ChangePolicy } from './rotation.js';
import { pollPlatformStore } from './store.js';

export interface WatchOptions {
  resolved: Resolved;
  /** Between reads of the store (and of the files, besides their events), in ms. */
  intervalMs: number;
  /** Each store refresh's deadline, retries included (--secrets-timeout). */
  deadlineMs: number;
  policy: ChangePolicy;
  /** Masks new values in both redactors at once (redaction.ts's learner); returns those it took. */
  mask(secrets: Secret[], from: string): Secret[];
  /** The child's environment for a configuration (a restart's). */
  env(now: Resolved): Record<string, string | undefined>;
  control: ChildControl;
  log: Logger;
}

/** What is watched, in check's words; empty when nothing can be (no secrets directory, no store). */
export function watchedSources(r: Resolved, intervalMs: number): string[] {
  const every = `every ${intervalMs / 1000} s`;
  return [
    ...(r.refresh?.secretsDir ? [`the mounted secrets as they change (and ${every})`] : []),
    ...(r.refresh?.platform ? [`the platform store at ${r.refresh.platform.url.host} ${every}`] : []),
  ];
}

/** Starts watching; `check` goes before each chunk the redactors read (a Kubernetes volume's swap seen first). */
export function watchSecrets(o: WatchOptions): { check(): void; close(): void } {
  const { resolved, log } = o;
  const keys = resolved.wanted ?? resolved.secrets.map((s) => s.name);
  const rotation = new Rotation({ resolved, mask: o.mask, log, settled: (now, changed) => act(o, now, changed) });
  // A failure is said once until a read succeeds again: a broken mount would otherwise warn every interval.
  const failing = new Set<string>();
  const failed = (source: string) => (message: string): void => {
    if (failing.has(source)) return;
    failing.add(source);
    log.warn(`${message}; the function keeps running with the values it has`);
  };
  const { secretsDir, platform } = resolved.refresh ?? {};
  const files = secretsDir
    ? watchSecretFiles(secretsDir, keys, { pollMs: o.intervalMs, failed: failed('files'), read: (values) => (failing.delete('files'), rotation.update('files', values, keys)) })
    : undefined;
  const store = platform
    ? pollPlatformStore(platform, {
      ...(platform.etag ? { etag: platform.etag } : {}), intervalMs: o.intervalMs, deadlineMs: o.deadlineMs, failed: failed('store'),
      read: (secrets) => {
        failing.delete('store');
        // As at boot (configure.ts): our own settings are never the function's, whatever the store says.
        const own = Object.keys(secrets).filter((name) => OWN_SETTINGS.includes(name));
        for (const name of own) delete secrets[name];
        if (own.length > 0) failed('store-own')(`the platform store's secrets hold ${own.join(', ')}, our own setting${own.length > 1 ? 's' : ''}: ignored`);
        rotation.update('platform', secrets, keys);
      },
    })
    : undefined;
  return {
    check: () => files?.check(),
    close: () => {
      files?.close();
      store?.close();
      rotation.close();
    },
  };
}

/** --on-secret-change, once the changes paused: never a restart (or a signal) into a configuration missing a key. */
function act(o: WatchOptions, now: Resolved, changed: string[]): void {
  const what = `${changed.join(', ')} changed`;
  if (o.policy === 'none') return o.log.notice(`${what}; the function keeps the values it started with (--on-secret-change none)`);
  const not = `not ${o.policy === 'restart' ? 'restarting' : 'signalling'} the function, which keeps running as it is`;
  // A key missing at boot already (--allow-missing) is no reason: only one that had a value and lost it.
  const lost = now.missing.filter((key) => !o.resolved.missing.includes(key));
  if (lost.length > 0) return o.log.warn(`${what}, but ${lost.join(', ')} now ${lost.length === 1 ? 'has' : 'have'} no value: ${not}`);
  if (o.policy === 'restart') {
    const env = o.env(now);
    const problem = environmentProblem(env);
    if (problem) return o.log.warn(`${what}, but ${problem}: ${not}`);
    return o.control.restart(env, what);
  }
  o.log.notice(`${what}: sending ${o.policy} to the function (--on-secret-change)`);
  o.control.signal(o.policy);
}
