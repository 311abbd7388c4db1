// Polls the platform store while the function runs: If-None-Match with the ETag it gave, the boot's retry and
// deadline rules for each refresh.
import type { PlatformSettings } from '../secrets/platform-contract.js';

/**
 * Every `intervalMs` (from the end of the last refresh), reads the store again and hands its secrets to `read`; an
 * answer that says it is unchanged (304) does nothing. A refresh that fails goes to `failed`, with the boot's message
 * (it names the host and the status, never the URL or a value); the next one is tried as usual.
 */
export function pollPlatformStore(settings: PlatformSettings, o: { etag?: string; intervalMs: number; deadlineMs: number; read(secrets: Record<string, string>): void; failed(message: string): void }): { close(): void } {
  let etag = o.etag;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const abort = new AbortController();
  const refresh = async (): Promise<void> => {
    try {
      const { fetchPlatformStore } = await import('../secrets/platform.js');
      const answer = await fetchPlatformStore({ ...settings, deadlineMs: o.deadlineMs, etag, signal: abort.signal });
      if (closed || answer === 'unchanged') return;
      etag = answer.etag;
      o.read(answer.secrets);
    } catch (error) {
      if (!closed) o.failed((error as Error).message);
    } finally {
      if (!closed) timer = setTimeout(() => void refresh(), o.intervalMs).unref();
    }
  };
  timer = setTimeout(() => void refresh(), o.intervalMs).unref();
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      abort.abort();
    },
  };
}
