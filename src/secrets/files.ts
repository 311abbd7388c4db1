// Mounted secret files: one file per key in a directory (Docker secrets, a Kubernetes Secret volume).
import { isUtf8 } from 'node:buffer';
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EntrypointError, ExitCode } from '../exit-codes.js';
import { isDirectory, trimFinalNewline } from '../text.js';
import type { Held, SecretSource } from './resolve.js';

/** Where Docker and Compose mount secrets. */
const DEFAULT_SECRETS_DIR = '/run/secrets';
/** A secret file larger than this is a mistake (a wrong mount), not a secret. */
const MAX_FILE_BYTES = 1024 * 1024;
/** The kubelet swaps a volume at most every few seconds; a snapshot gone this many times running is a broken mount. */
const MAX_SNAPSHOT_READS = 10;

/** The directory to read: --secrets-dir when given (it must be one), else /run/secrets when it exists. */
export function secretsDir(option: string | undefined): string | undefined {
  if (option === undefined) return existsSync(DEFAULT_SECRETS_DIR) ? DEFAULT_SECRETS_DIR : undefined;
  // The value is not shown: whatever was typed after the flag may be a secret put in the wrong place.
  if (!isDirectory(option)) throw new EntrypointError('--secrets-dir: not a directory', ExitCode.config);
  return option;
}

/**
 * Reads DIR/KEY (else DIR/key, Docker's usual lower case) per key: a UTF-8 byte-order mark and one trailing newline
 * removed, as editors and `echo` add them; a file that is not UTF-8 text comes as its bytes (`Held`). In a Kubernetes Secret
 * volume the files are symlinks through `..data`, which the kubelet swaps atomically; every key is read from the one
 * snapshot `..data` pointed at, so a rotation never mixes old and new values. Dot-entries are never keys.
 */
export function filesSource(dir: string): SecretSource {
  return { name: 'files', read: async (keys) => readSecretFiles(dir, keys) };
}

/**
 * filesSource's read, synchronous: a few small files, read at boot and again when the volume changes (src/watch/),
 * where the redactor must know the new values before it reads more output.
 */
export function readSecretFiles(dir: string, keys: readonly string[]): Record<string, string | Held> {
  for (let attempt = 1; attempt <= MAX_SNAPSHOT_READS; attempt++) {
    const snap = snapshot(dir);
    const found: Record<string, string | Held> = {};
    for (const key of keys) {
      const value = readKey(snap ?? dir, key) ?? readKey(snap ?? dir, key.toLowerCase());
      if (value !== undefined) found[key] = value;
    }
    // The kubelet removes a version only after swapping ..data away from it: if ..data still points here, every
    // value came from this one version; otherwise read again from the new one.
    if (snap === undefined || snapshot(dir) === snap) return found;
  }
  throw changing(dir);
}

/** What DIR/..data links to now (one readlink), or undefined when DIR is not a Kubernetes volume: a swap changes it. */
export function volumeVersion(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, '..data'));
  } catch {
    return undefined;
  }
}

/** The directory ..data points to now, or undefined when DIR is not a Kubernetes volume. */
function snapshot(dir: string): string | undefined {
  const link = join(dir, '..data');
  for (let attempt = 1; attempt <= MAX_SNAPSHOT_READS; attempt++) {
    try {
      return realpathSync(link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(link, error);
      // ENOENT with the link still there: it was swapped, and its old target removed, while we resolved it.
      if (!lexists(link)) return undefined;
    }
  }
  throw changing(dir);
}

function readKey(root: string, name: string): string | Held | undefined {
  if (name.startsWith('.')) return undefined;
  const file = join(root, name);
  try {
    const info = statSync(file);
    if (!info.isFile()) throw new EntrypointError(`${file}: is not a regular file`, ExitCode.config);
    if (info.size > MAX_FILE_BYTES) throw new EntrypointError(`${file}: larger than ${MAX_FILE_BYTES} bytes`, ExitCode.config);
    return decode(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error instanceof EntrypointError ? error : unreadable(file, error);
  }
}

/** The file as text, or as its bytes when they are not UTF-8 text (or hold a NUL, which no environment can carry). */
function decode(bytes: Buffer): string | Held {
  const text = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const value = trimFinalNewline(text.toString('utf8'));
  return isUtf8(text) && !text.includes(0) ? value : { value, bytes };
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function changing(dir: string): EntrypointError {
  return new EntrypointError(`${dir}: the secret volume changed during each of ${MAX_SNAPSHOT_READS} reads`, ExitCode.unavailable);
}

function unreadable(path: string, error: unknown): EntrypointError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  // The usual case in an image: secrets mounted root-owned, mode 0400, for a function that runs as `node`.
  const fix = code === 'EACCES' && process.getuid ? `: uid ${process.getuid()} (gid ${process.getgid!()}) needs read access to it (mount it owned by that uid or readable by that gid: Kubernetes fsGroup, a --secret's uid=)` : '';
  return new EntrypointError(`${path}: cannot be read (${code})${fix}`, ExitCode.config);
}
