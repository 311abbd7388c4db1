// Generates the benchmark's inputs: a log-like corpus with secrets sprinkled in, and the secrets themselves.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** A small deterministic PRNG (mulberry32), so every run measures the same bytes. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `k` secrets shaped like real API keys: prefixes, mixed alphabet, 20 to 48 characters. */
export function secrets(k: number, seed = 7): { name: string; value: string }[] {
  const rnd = random(seed);
  const prefixes = ['sk_live_', 'xoxb-', 'ghp_', 'AKIA', '', 'key-', 'pat.'];
  return Array.from({ length: k }, (_, i) => {
    let value = prefixes[Math.floor(rnd() * prefixes.length)]!;
    const length = 20 + Math.floor(rnd() * 28);
    while (value.length < length) value += ALNUM[Math.floor(rnd() * ALNUM.length)];
    return { name: `SECRET_${i}`, value };
  });
}

/** Writes about `bytes` of log lines to `path`; one line in `every` carries a secret, raw or encoded. */
export async function writeCorpus(path: string, bytes: number, keys: { value: string }[], every = 1000, seed = 11): Promise<void> {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const id = (n: number) => Array.from({ length: n }, () => ALNUM[Math.floor(rnd() * ALNUM.length)]).join('');
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
  const leak = (v: string) => pick([v, JSON.stringify(v), encodeURIComponent(v), Buffer.from(`user:${v}`).toString('base64')]);
  const out = createWriteStream(path);
  let written = 0;
  let line = 0;
  let batch = '';
  let time = Date.UTC(2026, 10, 28, 22, 0, 0);
  while (written < bytes) {
    time += Math.floor(rnd() * 50);
    const ts = new Date(time).toISOString();
    const secret = line++ % every === every - 1 ? leak(pick(keys).value) : undefined;
    switch (Math.floor(rnd() * 4)) {
      case 0:
        batch += `${ts} INFO [req-${id(12)}] GET /api/v1/users/${id(8)}/orders?page=${line % 97}&sort=desc 200 ${Math.floor(rnd() * 900)}ms${secret ? ` auth=${secret}` : ''}\n`;
        break;
      case 1:
        batch += `{"level":"info","time":"${ts}","msg":"payment processed","amount":${Math.floor(rnd() * 1e5)},"customer":"cus_${id(14)}","trace":"${hex(32)}"${secret ? `,"token":"${secret}"` : ''}}\n`;
        break;
      case 2:
        batch += `${ts} WARN callback https://hooks.example.test/cb/${id(10)}?sig=${hex(40)}&attempt=${line % 5}${secret ? `&key=${secret}` : ''} retrying in 250ms\n`;
        break;
      default:
        batch += `${ts} DEBUG voice call ${id(20)} state=answered from=+1555${Math.floor(rnd() * 1e7)} duration=${Math.floor(rnd() * 600)}s${secret ? ` secret ${secret}` : ''}\n`;
    }
    if (batch.length > 1 << 16) {
      written += batch.length;
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}
