// Our standard output streams, left unmade until first used (or never, for `redact`) and quiet when their reader goes away.
import { writeSync } from 'node:fs';

let quieted = false;

/**
 * Makes process.stdout and process.stderr ignore write errors (EPIPE: a reader that went away; what we write to it
 * is simply lost) without making them now: making process.stdout opens fd 1 as a libuv pipe, which sets O_NONBLOCK
 * on the description it shares with other processes, and `redact` writes fd 1 with blocking write(2).
 */
export function quietStdioOnFirstUse(): void {
  if (quieted) return;
  quieted = true;
  for (const name of ['stdout', 'stderr'] as const) {
    const make = Object.getOwnPropertyDescriptor(process, name)?.get;
    if (make === undefined) continue; // a plain value: a host made it already
    let made: NodeJS.WriteStream | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: true,
      get(): NodeJS.WriteStream {
        if (made === undefined) {
          made = make.call(process) as NodeJS.WriteStream;
          made.on('error', () => undefined);
        }
        return made;
      },
    });
  }
}

/**
 * Our messages on fd 2 by blocking write(2), for `redact`, which must not make process.stderr (see above): through
 * process.stderr only when fd 2 is non-blocking already (EAGAIN), and lost, as a stream's would be, on other errors.
 */
export const stderrBlocking = {
  write(text: string): void {
    const bytes = Buffer.from(text);
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(2, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') process.stderr.write(bytes.subarray(written));
    }
  },
};
