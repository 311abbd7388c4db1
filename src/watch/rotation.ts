// What the secrets' sources hold while the function runs. Every new value is masked at once; once the changes have
// settled, the configuration as it is now goes to --on-secret-change's policy (cli.ts), with what changed.
import type { Logger } from '../log.js';
import type { Secret } from '../redact/needles.js';
import type { Held, Resolved, ResolvedSecret, SourceName } from '../secrets/resolve.js';

/** --on-secret-change: nothing (the function reads its files itself), a restart, or a signal to the child. */
export type ChangePolicy = 'none' | 'restart' | NodeJS.Signals;

/** The sources in their order (src/configure.ts): a key's first non-empty value is the child's. */
const ORDER: readonly SourceName[] = ['env', 'dotenv', 'files', 'sinch-config', 'keychain', 'filestore', 'platform', 'sinch.json'];
/** A Kubernetes update touches several files, a store may change keys one by one: the policy waits for a pause this long. */
export const SETTLE_MS = 2000;

/** How a source is named in our messages. */
const SOURCE_NAMES: Partial<Record<SourceName, string>> = { files: 'the mounted secrets', platform: 'the platform store' };

export interface RotationOptions {
  /** The configuration the child started with. */
  resolved: Resolved;
  /** Masks these values in both redactors now, before they read more output (redaction.ts's learner): those it took. */
  mask(secrets: Secret[], from: string): Secret[];
  /** After a pause in the changes: the configuration as it is now, and the keys whose value for the child changed. */
  settled(now: Resolved, changed: string[]): void;
  log: Logger;
  settleMs?: number;
}

/** The values each source holds for each key, as the sources are read again. */
export class Rotation {
  private readonly values = new Map<string, Map<SourceName, ResolvedSecret>>();
  /** The child's value of each key as of the last settle (at first, the boot's). */
  private settledValues: Map<string, string>;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: RotationOptions) {
    for (const s of [...o.resolved.secrets, ...(o.resolved.shadowed ?? [])]) this.of(s.name).set(s.source, s);
    this.settledValues = this.winners();
  }

  /**
   * What `source` holds now for `keys` (a key absent from `found`: no value there any more). A new value is masked
   * before this returns, and named (never shown) in a notice; the policy is told once the changes pause.
   */
  update(source: 'files' | 'platform', found: Record<string, string | Held>, keys: readonly string[]): void {
    const from = SOURCE_NAMES[source]!;
    const fresh: Secret[] = [];
    const named: string[] = [];
    let gone = false;
    for (const key of new Set([...keys, ...Object.keys(found)])) {
      const before = this.values.get(key)?.get(source);
      const offered = found[key];
      if (offered === undefined || offered === '') {
        if (before) this.of(key).delete(source);
        gone ||= before !== undefined;
        continue;
      }
      const now: ResolvedSecret = typeof offered === 'string' ? { name: key, value: offered, source } : { name: key, ...offered, source };
      if (before && before.value === now.value && sameBytes(before.bytes, now.bytes)) continue;
      this.of(key).set(source, now);
      named.push(key);
      // As at boot (configure.ts secretsToMask): its bytes too, and the value trimmed, as a function that trims it prints it.
      fresh.push(now.bytes ? { name: key, value: now.value, bytes: now.bytes } : { name: key, value: now.value });
      if (now.value.trim() !== now.value && now.value.trim() !== '') fresh.push({ name: key, value: now.value.trim() });
    }
    if (fresh.length > 0) {
      // Only what the learner took: a value too short to mask has had its warning.
      const taken = new Set(this.o.mask(fresh, from).map((s) => s.name));
      const masked = named.filter((key) => taken.has(key));
      if (masked.length > 0) this.o.log.notice(`${masked.join(', ')}: a new value in ${from}, masked from now on (the old ones too)`);
    }
    if (fresh.length > 0 || gone) this.schedule();
  }

  /** Stops the wait for a pause (our run is ending). */
  close(): void {
    clearTimeout(this.timer);
  }

  private of(key: string): Map<SourceName, ResolvedSecret> {
    let sources = this.values.get(key);
    if (!sources) this.values.set(key, (sources = new Map()));
    return sources;
  }

  /** Each key's value for the child now: the first source in ORDER that has one. */
  private winners(): Map<string, string> {
    const winners = new Map<string, string>();
    for (const [key, sources] of this.values) {
      const first = ORDER.find((source) => sources.has(source));
      if (first) winners.set(key, sources.get(first)!.value);
    }
    return winners;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settle(), this.o.settleMs ?? SETTLE_MS).unref();
  }

  private settle(): void {
    const winners = this.winners();
    const keys = new Set([...winners.keys(), ...this.settledValues.keys()]);
    const changed = [...keys].filter((key) => winners.get(key) !== this.settledValues.get(key)).sort();
    this.settledValues = winners;
    if (changed.length > 0) this.o.settled(this.now(), changed);
  }

  /** The configuration as the sources hold it now: the boot's, with each key's winner and the values it shadows. */
  private now(): Resolved {
    const r = this.o.resolved;
    const secrets: ResolvedSecret[] = [];
    const shadowed: ResolvedSecret[] = [];
    for (const sources of this.values.values()) {
      const ordered = ORDER.filter((source) => sources.has(source)).map((source) => sources.get(source)!);
      if (ordered.length > 0) secrets.push(ordered[0]!);
      shadowed.push(...ordered.slice(1));
    }
    const has = new Set(secrets.map((s) => s.name));
    const required = new Set(r.required ?? []);
    return {
      ...r,
      secrets,
      shadowed,
      missing: (r.required ?? []).filter((key) => !has.has(key)),
      missingOptional: (r.wanted ?? []).filter((key) => !required.has(key) && !has.has(key)),
    };
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}
