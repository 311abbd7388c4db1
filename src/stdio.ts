// Our standard output streams, left unmade until first used and then quiet when their reader goes away.

/**
 * Makes process.stdout and process.stderr ignore write errors (EPIPE: a reader that went away; what we write to it
 * is simply lost) without making them now: making process.stdout opens fd 1 as a libuv pipe, which sets O_NONBLOCK
 * on the description it shares with other processes, and `redact` writes fd 1 with blocking write(2).
 */
export function quietStdioOnFirstUse(): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const make = Object.getOwnPropertyDescriptor(process, name)?.get;
    if (make === undefined) continue; // already replaced (a second call) or made by a host
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
