// Baseline: a blocking read/write loop from stdin to stdout, the floor under `redact`'s own loop (src/redact/pump.ts).
import { readSync, writeSync } from 'node:fs';

const buffer = Buffer.allocUnsafe(128 * 1024);
for (let length; (length = readSync(0, buffer)) > 0; ) {
  for (let written = 0; written < length; ) written += writeSync(1, buffer, written, length - written);
}
