// Baseline: the naive redactor, a replaceAll per secret on each decoded chunk (wrong across chunk borders, but fast to write).
import { readFileSync } from 'node:fs';

const secrets = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  for (const secret of secrets) chunk = chunk.replaceAll(secret, '***');
  process.stdout.write(chunk);
});
