// One cold run of the boot self-test (src/redact/canary.ts) at K secrets, in a fresh process: prints its ms.
// npm run bench:boot runs it as a process of its own each time, since its cost at boot is the cold one.
import { canaryLeak, canarySecret } from '../src/redact/canary.js';
import { compileRedaction } from '../src/redact/stream.js';

const K = Number(process.argv[2] ?? 100);
const secrets = Array.from({ length: K }, (_, i) => ({ name: `SECRET_${i}`, value: `sk_live_${i}_${Math.random().toString(36).slice(2, 14)}${Math.random().toString(36).slice(2, 14)}` }));
const policy = { minValueBytes: 4, minDerivedBytes: 8 };
const canary = canarySecret();
const redaction = compileRedaction([...secrets, canary], policy);
const started = process.hrtime.bigint();
const leak = canaryLeak(redaction, canary, policy, '***', 3);
if (leak) throw new Error(`the self-test failed: ${leak}`);
process.stdout.write(`${Number(process.hrtime.bigint() - started) / 1e6}\n`);
