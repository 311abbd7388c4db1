// The boot self-test: a canary compiled with the secrets comes out masked in every form, and the test can fail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CANARY_NAME, canaryLeak, canarySecret } from '../../src/redact/canary.js';
import { needlesFor } from '../../src/redact/needles.js';
import { compileRedaction } from '../../src/redact/stream.js';

const policy = { minValueBytes: 4, minDerivedBytes: 8 };
const secrets = [{ name: 'STRIPE_SECRET_KEY', value: 'sk_live_canary_test_0123456789' }, { name: 'PEM', value: '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD\n-----END KEY-----' }];

describe('canary', () => {
  it('is fresh each time, long enough for the policy, and has the forms of every family', () => {
    const [a, b] = [canarySecret(), canarySecret()];
    assert.notEqual(a.value, b.value);
    assert.equal(a.name, CANARY_NAME);
    assert.ok(Buffer.byteLength(canarySecret(64).value) >= 64);
    const forms = needlesFor([a], policy).needles.map((n) => n.bytes.toString('latin1'));
    assert.ok(forms.some((f) => f.includes('\\"')), 'a JSON form');
    assert.ok(forms.some((f) => f.includes('%2B')), 'a URL form');
    assert.ok(forms.length >= 10, `${forms.length} forms`);
  });

  it('passes when the canary was compiled with the secrets, whatever the mask and raw limit', () => {
    for (const [mask, rawLimit] of [['***', 3], ['[REDACTED:{name}]', 0], ['x', 1000]] as const) {
      const canary = canarySecret();
      assert.equal(canaryLeak(compileRedaction([...secrets, canary], policy), canary, policy, mask, rawLimit), undefined);
    }
  });

  it('fails, naming the form, when the redaction does not mask it (compiled without it)', () => {
    const canary = canarySecret();
    const leak = canaryLeak(compileRedaction(secrets, policy), canary, policy, '***', 3);
    assert.match(leak ?? '', /^form 1 of \d+ \(\d+ bytes\), in one write$/);
    assert.match(canaryLeak(compileRedaction([], policy), canary, policy, '***', 3) ?? '', /nothing was compiled/);
  });

  it('fails when only some forms are masked (one form dropped from the compiled set)', () => {
    const canary = canarySecret();
    // The canary under another policy: its short forms were never compiled, and the test must say which.
    const leak = canaryLeak(compileRedaction([...secrets, canary], { minValueBytes: 4, minDerivedBytes: 40 }), canary, policy, '***', 3);
    assert.match(leak ?? '', /^form \d+ of \d+ \(\d+ bytes\), in one write$/);
  });
});
