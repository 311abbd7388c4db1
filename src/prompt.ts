// Reads from the person at the terminal (a hidden value, a yes/no) or from a pipe, writing questions to stderr.
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ReadStream } from 'node:tty';
import { EntrypointError, ExitCode } from './exit-codes.js';
import { trimFinalNewline } from './text.js';

/** All of a piped stdin, one trailing newline removed (`echo value |` adds one). */
export async function readPiped(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return trimFinalNewline(Buffer.concat(chunks).toString('utf8'));
}

// Bracketed paste (xterm, and every terminal emulator since): the terminal wraps pasted text in these markers, so a
// pasted PEM key's line breaks are part of the value instead of Enter presses.
const PASTE_MODE_ON = '\x1b[?2004h';
const PASTE_MODE_OFF = '\x1b[?2004l';
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** How long input must be quiet after the value ends before we give the terminal back (see the drain below): a
 * terminal may write a long paste in parts a few hundred ms apart. */
const SETTLE_MS = 500;

/**
 * A value typed or pasted at a terminal without echoing it, so a secret never shows on screen or in scrollback.
 * Enter or Ctrl-D ends it; a bracketed paste keeps its line breaks. Whatever arrives after the end is read and
 * dropped, never left for the shell: a multi-line paste the terminal did not mark would otherwise run, line by
 * line, as shell commands once we exit. Such input fails the prompt (exit 64) and nothing is stored.
 */
export function readHidden(question: string, input: ReadStream, output: Writable): Promise<string> {
  // Echo goes off before the question shows, so an answer typed the moment it appears is never echoed.
  input.setRawMode(true);
  output.write(PASTE_MODE_ON + question);
  return new Promise((resolve, reject) => {
    let value = '';
    let pasting = false;
    // One decoder for the whole value: a long paste comes in several reads, which may split a character.
    const utf8 = new StringDecoder('utf8');
    /** The start of a paste marker cut off at the end of a read. */
    let partial = '';
    let outcome: { error?: Error } | undefined;
    let settle: NodeJS.Timeout | undefined;
    const finish = (): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write(PASTE_MODE_OFF + '\n');
      if (outcome!.error) reject(outcome!.error);
      // Terminals paste line breaks as CR: the value keeps them as LF, as a file holds them.
      else resolve(trimFinalNewline(value.replace(/\r\n?/g, '\n')));
    };
    const end = (error?: Error): void => {
      outcome = { error };
      settle = setTimeout(finish, SETTLE_MS);
    };
    // Input after the end is drained until it stops; it also means the value is not what the person meant to give.
    const drain = (): void => {
      outcome = { error: outcome?.error ?? new EntrypointError('input went on after the value ended (a multi-line paste?): nothing stored; pipe the value instead (secrets add KEY < file)', ExitCode.usage) };
      clearTimeout(settle);
      settle = setTimeout(finish, SETTLE_MS);
    };
    const onData = (data: Buffer): void => {
      if (outcome) return drain();
      const text = partial + utf8.write(data);
      partial = '';
      for (let i = 0; i < text.length; i++) {
        const char = text[i]!;
        if (char === '\x1b') {
          const rest = text.slice(i, i + PASTE_START.length);
          if (rest === PASTE_START || rest === PASTE_END) {
            pasting = rest === PASTE_START;
            i += rest.length - 1;
            continue;
          }
          if (PASTE_START.startsWith(rest) || PASTE_END.startsWith(rest)) {
            partial = rest;
            return;
          }
        }
        if (pasting) {
          value += char;
          continue;
        }
        if (char === '\r' || char === '\n' || char === '\u0004') {
          end();
          if (i + 1 < text.length) drain();
          return;
        }
        if (char === '\u0003') return end(new EntrypointError('cancelled', ExitCode.signalBase + 2));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

/** A yes/no question at a terminal; anything but y or yes is no. */
export function confirm(question: string, input: ReadStream, output: Writable): Promise<boolean> {
  output.write(`${question} [y/N] `);
  return new Promise((resolve) => {
    input.once('data', (data: Buffer) => {
      input.pause();
      resolve(/^\s*y(es)?\s*$/i.test(data.toString('utf8')));
    });
    input.resume();
  });
}
