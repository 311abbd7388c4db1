// Small name rules and string, JSON-shape and path helpers shared by the readers (a leaf: it imports only node:fs).
import { statSync } from 'node:fs';

/** The Sinch CLI's rule for secret keys, in .env and on the `secrets` command line. */
export const KEY_PATTERN = /^[A-Z0-9_]+$/;

/** A POSIX environment variable name, the rule for variable and secret names the child will see. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A JSON object (not null, not an array), whose fields may then be read by name. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text without one trailing newline, which `echo` and editors add to a value kept in a file or a pipe. */
export function trimFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** Whether `path` is a directory; never throws: stat's errors (ENAMETOOLONG, ENOTDIR, ELOOP) quote the path. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}
