// Reads the platform secret store over HTTPS (undici), bounded by a deadline, retried with backoff, capped in size.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import { EntrypointError, ExitCode } from '../exit-codes.js';
import { parseStoreResponse, type PlatformData, type PlatformSettings } from './platform-contract.js';

export interface PlatformOptions extends PlatformSettings {
  /** Everything (all attempts, waits and redirects) ends by then: default 30 000 ms. */
  deadlineMs: number;
  /** Largest response body accepted: default 1 MiB. */
  maxBytes?: number;
  /** First backoff step; it doubles per retry up to maxDelayMs, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told (the host, the attempt, the time: never the URL) when the store has not answered after 1 s, and at each retry. */
  onWait?: (message: string) => void;
  /** The ETag of the answer held (a refresh, src/watch/store.ts): sent as If-None-Match; a 304 is then 'unchanged'. */
  etag?: string;
  /** Ends the attempts at once (a refresh as we exit): no request or wait of ours then keeps the process alive. */
  signal?: AbortSignal;
}

/** The store's answer, with its ETag when it gave one. */
export type StoreAnswer = PlatformData & { etag?: string };

const MAX_REDIRECTS = 5;
const WAIT_NOTICE_MS = 1_000;

type Outcome = { data: StoreAnswer } | { unchanged: true } | { retry: string; afterMs?: number } | { fatal: string } | { redirect: URL };

/** GETs the store with `Authorization: Bearer <token>`; exit 69 naming the host and the last status or error. */
export async function fetchPlatformStore(o: PlatformOptions & { etag?: undefined }): Promise<StoreAnswer>;
export async function fetchPlatformStore(o: PlatformOptions): Promise<StoreAnswer | 'unchanged'>;
export async function fetchPlatformStore(o: PlatformOptions): Promise<StoreAnswer | 'unchanged'> {
  const started = Date.now();
  const deadline = started + o.deadlineMs;
  const attemptMs = Math.min(10_000, Math.max(200, Math.floor(o.deadlineMs / 3)));
  // Loaded here, not at the top: a production boot without a store URL must not pay for undici (~80 ms).
  const loaded: typeof import('undici') & { default?: typeof import('undici') } = await import('undici');
  const undici = loaded.Agent ? loaded : (loaded.default as typeof import('undici')); // the bundle wraps CommonJS as `default`
  const agent = new undici.Agent({ connect: { timeout: Math.min(5_000, attemptMs) }, headersTimeout: attemptMs, bodyTimeout: attemptMs });
  let url = o.url;
  let last = 'no attempt within the deadline';
  let attempts = 0;
  let redirects = 0;
  // A boot that waits on the store is otherwise silent for up to the whole deadline.
  const waiting = (): void => o.onWait?.(`waiting for the platform store at ${o.url.host}: attempt ${attempts}, ` +
    `${((Date.now() - started) / 1000).toFixed(1)} s of ${+(o.deadlineMs / 1000).toFixed(1)} s${attempts > 1 ? ` (last: ${last})` : ''}`);
  const slow = setTimeout(waiting, WAIT_NOTICE_MS).unref();
  try {
    for (let failures = 0; Date.now() < deadline && !o.signal?.aborted; ) {
      attempts++;
      if (attempts > 1) waiting();
      const outcome = await attempt(undici.request, agent, url, o, Math.min(attemptMs, deadline - Date.now()));
      clearTimeout(slow);
      if ('data' in outcome) return outcome.data;
      if ('unchanged' in outcome) return 'unchanged';
      if ('redirect' in outcome && ++redirects <= MAX_REDIRECTS) {
        url = outcome.redirect;
        continue;
      }
      if (!('retry' in outcome)) {
        last = 'fatal' in outcome ? outcome.fatal : 'too many redirects';
        break;
      }
      last = outcome.retry;
      const step = Math.min(o.maxDelayMs ?? 5_000, (o.baseDelayMs ?? 250) * 2 ** failures++);
      // The last attempt still needs time to connect and answer: keep a reserve before the deadline.
      const latest = deadline - Math.min(500, attemptMs / 2) - Date.now();
      if (outcome.afterMs !== undefined && outcome.afterMs > latest) {
        last += `, Retry-After ${Math.ceil(outcome.afterMs / 1000)} s is past the deadline`;
        break;
      }
      if (latest <= 0) break;
      // Exponential backoff with jitter, shortened to make one last attempt rather than giving up early.
      await sleep(Math.min(outcome.afterMs ?? step / 2 + Math.random() * (step / 2), latest), undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
    }
  } finally {
    clearTimeout(slow);
    await agent.destroy().catch(() => undefined);
  }
  const took = ((Date.now() - started) / 1000).toFixed(1);
  throw new EntrypointError(
    `platform secret store at ${o.url.host} could not be read: ${last} (${attempts} attempt${attempts === 1 ? '' : 's'} in ${took} s)`,
    ExitCode.unavailable,
  );
}

async function attempt(request: typeof import('undici').request, agent: Agent, url: URL, o: PlatformOptions, timeoutMs: number): Promise<Outcome> {
  const max = o.maxBytes ?? 1024 * 1024;
  try {
    const res = await request(url, {
      dispatcher: agent,
      method: 'GET',
      headers: { authorization: `Bearer ${o.token}`, accept: 'application/json', 'user-agent': 'sinch-entrypoint', ...(o.etag ? { 'if-none-match': o.etag } : {}) },
      signal: o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
    });
    const status = res.statusCode;
    if (status === 304 && o.etag) {
      discard(res.body);
      return { unchanged: true };
    }
    if (status !== 200) {
      discard(res.body);
      const location = res.headers.location;
      if (status >= 300 && status < 400 && typeof location === 'string') {
        const target = new URL(location, url);
        // The token may only ever go back to the origin it was configured for.
        return target.origin === o.url.origin ? { redirect: target } : { fatal: `redirect to another origin (${target.host}) refused` };
      }
      if (status === 408 || status === 425 || status === 429 || status >= 500) {
        const afterMs = retryAfter(res.headers['retry-after']);
        return afterMs === undefined ? { retry: `HTTP ${status}` } : { retry: `HTTP ${status}`, afterMs };
      }
      return { fatal: status === 401 || status === 403 ? `HTTP ${status} (the token was refused)` : `HTTP ${status}` };
    }
    if (Number(res.headers['content-length']) > max) {
      discard(res.body);
      return { fatal: `response larger than ${max} bytes` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > max) {
        discard(res.body);
        return { fatal: `response larger than ${max} bytes` };
      }
      chunks.push(chunk as Buffer);
    }
    const parsed = parseStoreResponse(Buffer.concat(chunks).toString('utf8'));
    const etag = res.headers.etag;
    return 'data' in parsed && typeof etag === 'string' ? { data: { ...parsed.data, etag } } : parsed;
  } catch (error) {
    // A certificate the system does not trust stays untrusted: say so at once instead of retrying to the deadline.
    const code = (error as { code?: string }).code ?? '';
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) return { fatal: `TLS: ${code}` };
    return { retry: failureReason(error, timeoutMs) };
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms. */
function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A failed request in a few words, for the final message. */
function failureReason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return `no response within ${timeoutMs} ms`;
  }
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timeout';
  if (e.code === 'ECONNRESET' || e.code === 'UND_ERR_SOCKET') return 'connection reset';
  // undici's messages name sockets and hosts, never our headers.
  return e.code ? `${e.code}${e.message ? ` (${e.message.split('\n')[0]})` : ''}` : (e.message ?? String(error));
}

/** Drops a body we will not read; undici reports the abort as an 'error' that must have a listener. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}
