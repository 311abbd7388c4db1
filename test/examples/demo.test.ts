// `npm run demo` (after the build): the node example under the entrypoint must show masking and stop cleanly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

it('the demo runs the node example, masks every secret and stops it with exit 0', { timeout: 60_000 }, () => {
  const demo = fileURLToPath(new URL('../../examples/run-demo.js', import.meta.url));
  const result = spawnSync(process.execPath, [demo], { encoding: 'utf8' });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /Stripe key: \*\*\*/);
  assert.match(result.stdout, /"stripeKey":"\*\*\*"/);
  // A value the function learned at run time, registered on the mask channel before it logged it.
  assert.match(result.stdout, /^fetched an access token: \*\*\*$/m);
  assert.doesNotMatch(result.stdout + result.stderr, /at-[0-9a-f]{8}-/);
  assert.match(result.stdout, /^stopped cleanly$/m);
  // Once: the demo's own introduction of the fake value; never in what the function wrote.
  assert.equal((result.stdout + result.stderr).split('sk_test_51DemoOnly').length - 1, 1);
});
