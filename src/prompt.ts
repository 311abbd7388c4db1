// Reads from the person at the terminal (a hidden value, a yes/no) or from a pipe, writing questions to stderr.
import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { EntrypointError, ExitCode } from './exit-codes.js';
import { trimFinalNewline } from './text.js';

/** All of a piped stdin, one trailing newline removed (`echo value |` adds one). */
export async function readPiped(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return trimFinalNewline(Buffer.concat(chunks).toString('utf8'));
}

/** One line typed at a terminal without echoing it, so a secret never shows on screen or in scrollback. */
export function readHidden(question: string, input: ReadStream, output: Writable): Promise<string> {
  // Echo goes off before the question shows, so an answer typed the moment it appears is never echoed.
  input.setRawMode(true);
  output.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new EntrypointError('cancelled', ExitCode.signalBase + 2));
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
