// The mask channel: values the function learns at run time (an OAuth token, a tenant's key), registered for masking
// on a descriptor of their own, one JSON line each. Not a marker in stdout (GitHub's `::add-mask::`): then any
// logged request body could add masks, and the marker's own echo leaked the value (actions/runner#475).
import { readSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Logger } from './log.js';
import type { Secret } from './redact/needles.js';

/** The environment variable that names the channel's descriptor in the child. */
export const MASK_CHANNEL_ENV = 'SINCH_ENTRYPOINT_MASK_FD';

/** Longest line: a registration is a name and a value (a PEM key is a few KiB); a longer one is dropped, with a warning. */
const MAX_LINE = 1 << 20;
/** How often the channel is drained while no output comes (the redactors drain it before each chunk). */
const DRAIN_MS = 20;

/** A key name: what a mask's `{name}` and our messages print, so never more than this (no line breaks, no escapes). */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** Our end of the channel, read only when asked (supervise closes it as it ends). */
export interface MaskChannel {
  /** Reads every line waiting now and hands each valid registration to `learn`, in order; never blocks. */
  drain(): void;
}

/**
 * Takes over `socket` (our end of the child's MASK_CHANNEL_FD) and reads it only in `drain`, with non-blocking
 * reads: the redactors drain it before they read each chunk of the child's output, so a value written to the channel
 * before the output that prints it is always learned first. Read by the event loop instead (or by split2, a stream),
 * a registration could be read after an output chunk that libuv read later within the same poll phase.
 * An invalid line is dropped with a warning that says what is wrong with it, never what it held.
 */
export function openMaskChannel(socket: Socket, learn: (secret: Secret) => void, log: Logger): MaskChannel {
  // libuv starts reading a child's pipe as it is made; stopped in the same tick, before any poll phase could read it.
  const handle = (socket as unknown as { _handle?: { fd?: number; readStop?(): number } | null })._handle;
  handle?.readStop?.();
  const fd = handle?.fd ?? -1;
  if (fd < 0) log.warn(`mask channel (${MASK_CHANNEL_ENV}): this Node gives no descriptor to read it; values registered on it are not masked`);
  const buffer = Buffer.allocUnsafe(1 << 16);
  let partial: Buffer[] = [];
  let partialLength = 0;
  let line = 0;
  let open = fd >= 0;
  // Drained between chunks too: a child that registers more than the socket's buffer holds (~200 KB) before it
  // prints anything would block on its write, waiting for a drain that only its output brings.
  const timer = setInterval(() => drain(), DRAIN_MS).unref();
  // Once closed, the descriptor's number may be another file's: never read it again.
  socket.once('close', () => {
    open = false;
    clearInterval(timer);
  });
  const take = (text: Buffer): void => {
    line++;
    const why = text.length > MAX_LINE ? `over ${MAX_LINE} bytes` : check(text.toString('utf8'));
    if (typeof why === 'string') log.warn(`mask channel (${MASK_CHANNEL_ENV}), line ${line}: ${why}; ignored`);
    else learn(why);
  };
  const drain = (): void => {
    while (open) {
      let length: number;
      try {
        length = readSync(fd, buffer);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return;
        length = 0; // the child's side went away badly (ECONNRESET): as at its end
      }
      if (length === 0) {
        open = false;
        clearInterval(timer);
        if (partial.length > 0) {
          line++;
          log.warn(`mask channel (${MASK_CHANNEL_ENV}), line ${line}: no line break before the channel closed; ignored`);
        }
        return;
      }
      let from = 0;
      for (let at = buffer.indexOf(10, 0); at >= 0 && at < length; at = buffer.indexOf(10, from)) {
        const piece = buffer.subarray(from, at);
        take(partial.length === 0 ? piece : Buffer.concat([...partial, piece]));
        partial = [];
        partialLength = 0;
        from = at + 1;
      }
      // The start of a line to come: kept (a copy: the buffer is read into again), up to the limit and a byte.
      if (from < length && partialLength <= MAX_LINE) {
        partial.push(Buffer.from(buffer.subarray(from, length)));
        partialLength += length - from;
      }
    }
  };
  return { drain };
}

/** The secret a line registers, or what is wrong with it (in words that quote nothing of it). */
function check(text: string): Secret | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not JSON (one object per line: {"name": "KEY", "value": "..."})';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const { name, value } = parsed as { name?: unknown; value?: unknown };
  if (typeof name !== 'string' || !NAME.test(name)) return '"name" is missing or not a key name (letters, digits and _ . -, at most 128)';
  if (typeof value !== 'string') return `"value" of ${name} is missing or not a string`;
  return { name, value };
}
