// Watches the mounted secrets' directory (a Kubernetes Secret volume swaps its `..data` link; a plain file is
// rewritten or created) and reads every key again on each change.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { readSecretFiles, volumeVersion } from '../secrets/files.js';
import type { Held } from '../secrets/resolve.js';

/** Plain files (not a Kubernetes volume) looked at before each chunk, at most: past that, inotify and the poll alone. */
const MAX_CHECKED_FILES = 16;

/** The watch on the directory; `check` is the redactors' look before each chunk of output. */
export interface FilesWatch {
  /**
   * Reads the keys again now if the volume changed since the last read: `..data` points elsewhere (one readlink), or,
   * in a plain directory, a key's file is another, or was written (a stat per key). Synchronous.
   */
  check(): void;
  close(): void;
}

/**
 * Watches `dir` with inotify (fs.watch on the directory: the kubelet's swap is a rename there) and, as a fallback for
 * filesystems that send no events, every `pollMs`; each change reads `keys` again, from one snapshot, and hands the
 * values found to `read` (a failed read, to `failed`, with a message that names the path, never a value). The
 * redactors also call `check` before each chunk, so a function that reads the new file the moment it appears and
 * prints it still finds the value learned: the change is seen before its output is.
 */
export function watchSecretFiles(dir: string, keys: readonly string[], o: { pollMs: number; read(values: Record<string, string | Held>): void; failed(message: string): void }): FilesWatch {
  // A Kubernetes volume changes only by its ..data swap; in a plain directory, each key's file (either spelling).
  const kubernetes = volumeVersion(dir) !== undefined;
  // The spelling a key's file has (readSecretFiles tries KEY, then key); both while it has none, to see it created.
  const spellings = (key: string): string[] => {
    const [upper, lower] = [join(dir, key), join(dir, key.toLowerCase())];
    return fileVersion(upper) !== '-' || upper === lower ? [upper] : fileVersion(lower) !== '-' ? [lower] : [upper, lower];
  };
  const files = kubernetes ? [] : keys.slice(0, MAX_CHECKED_FILES).flatMap(spellings);
  const current = (): string => (kubernetes ? String(volumeVersion(dir)) : files.map(fileVersion).join('|'));
  let version = current();
  let queued = false;
  const readNow = (): void => {
    version = current();
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
    watcher.on('error', (error: NodeJS.ErrnoException) => {
      watcher?.close();
      o.failed(`${dir}: no longer watched (${error.code ?? 'error'}); read again every ${o.pollMs / 1000} s instead`);
    });
  } catch (error) {
    // ENOSPC: the inotify watches are used up; the poll still sees every change, later.
    o.failed(`${dir}: cannot be watched (${(error as NodeJS.ErrnoException).code ?? 'error'}); read again every ${o.pollMs / 1000} s instead`);
  }
  const timer = setInterval(readNow, o.pollMs).unref();
  return {
    check: () => {
      if (current() !== version) readNow();
    },
    close: () => {
      watcher?.close();
      clearInterval(timer);
    },
  };
}

/** Which file is at `path` and when it was last written: its inode, size and change time, or '-' when there is none. */
function fileVersion(path: string): string {
  try {
    const info = statSync(path, { throwIfNoEntry: false, bigint: true });
    return info ? `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}` : '-';
  } catch {
    return '?'; // unreadable now: the read that follows a change says why
  }
}
