// Watches the mounted secrets' directory (a Kubernetes Secret volume swaps its `..data` link; a plain file is
// rewritten or created) and reads every key again on each change.
import { watch, type FSWatcher } from 'node:fs';
import { readSecretFiles, volumeVersion } from '../secrets/files.js';
import type { Held } from '../secrets/resolve.js';

/** The watch on the directory; `check` is the redactors' look before each chunk of output. */
export interface FilesWatch {
  /** Reads the keys again now if `..data` points elsewhere than at the last read (one readlink): synchronous. */
  check(): void;
  close(): void;
}

/**
 * Watches `dir` with inotify (fs.watch on the directory: the kubelet's swap is a rename there) and, as a fallback for
 * filesystems that send no events, every `pollMs`; each change reads `keys` again, from one snapshot, and hands the
 * values found to `read` (a failed read, to `failed`, with a message that names the path, never a value). The
 * redactors also call `check` before each chunk, so a function that reads the new file the moment it appears and
 * prints it still finds the value learned: the swap is seen before its output is.
 */
export function watchSecretFiles(dir: string, keys: readonly string[], o: { pollMs: number; read(values: Record<string, string | Held>): void; failed(message: string): void }): FilesWatch {
  let version = volumeVersion(dir);
  let queued = false;
  const readNow = (): void => {
    version = volumeVersion(dir);
    try {
      o.read(readSecretFiles(dir, keys));
    } catch (error) {
      o.failed((error as Error).message);
    }
  };
  // A swap comes as a burst of events (..data_tmp made, renamed, the old version removed): one read after it.
  const soon = (): void => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      readNow();
    });
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, soon);
    watcher.on('error', () => watcher?.close());
  } catch (error) {
    // ENOSPC: the inotify watches are used up; the poll still sees every change, later.
    o.failed(`${dir}: cannot be watched (${(error as NodeJS.ErrnoException).code ?? 'error'}); read again every ${o.pollMs / 1000} s instead`);
  }
  const timer = setInterval(readNow, o.pollMs).unref();
  return {
    check: () => {
      if (volumeVersion(dir) !== version) readNow();
    },
    close: () => {
      watcher?.close();
      clearInterval(timer);
    },
  };
}
