// The mask channel through the built bin: a Node child registers values it learned at run time on
// SINCH_ENTRYPOINT_MASK_FD and prints them at once, on both streams, in every way a log would.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { project, run } from './helpers/entrypoint.js';

/** A Node child of `body`, with `register(name, value)` (the few lines a function needs) and fs in scope. */
function child(body: string): string[] {
  const dir = project();
  const file = join(dir, 'child.js');
  writeFileSync(file, `const fs = require('node:fs');
const register = (name, value) => fs.writeSync(Number(process.env.SINCH_ENTRYPOINT_MASK_FD), JSON.stringify({ name, value }) + '\\n');
${body}`);
  return ['run', '--dir', dir, '--', process.execPath, file];
}

describe('mask channel', () => {
  it('masks a value from the moment it is registered, in both streams and its encoded forms', async () => {
    const { code, stdout, stderr } = await run(child(`
      const token = 'ya29.' + 'a0AfB_byC'.repeat(3) + process.pid;
      console.log('early ' + token);
      register('OAUTH_TOKEN', token);
      console.log('token=' + token);
      console.error('auth failed for ' + JSON.stringify({ token }));
      console.log('url https://api.test/?access_token=' + encodeURIComponent(token) + ' b64 ' + Buffer.from(token).toString('base64'));
      fs.writeSync(1, 'split ' + token.slice(0, 9)); fs.writeSync(1, token.slice(9) + '\\n');
      console.log('early-leak-check ' + token.length);
    `));
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n');
    // Written before the registration: masked only if we read it after the registration (the README says register
    // first), so either way.
    assert.match(lines[0]!, /^early (ya29\.|\*\*\*$)/);
    assert.equal(lines[1], 'token=***');
    assert.match(stderr, /auth failed for \{"token":"\*\*\*"\}/);
    // base64: the part that depends only on the value is masked (README, "What is masked"); the last group is the padding's.
    assert.match(lines[2]!, /^url https:\/\/api\.test\/\?access_token=\*\*\* b64 \*\*\*/);
    assert.equal(lines[3], 'split ***');
    assert.doesNotMatch(lines.slice(1).join('\n') + stderr, /a0AfB_byC/);
    assert.match(stderr, /masking OAUTH_TOKEN from now on: the function registered it on the mask channel/);
  });

  it('registering right before each write: hundreds of values, alternately on stdout and stderr, none leaks', async () => {
    const { code, stdout, stderr } = await run(child(`
      for (let i = 0; i < 400; i++) {
        const value = 'tenant-key-' + i + '-' + Math.random().toString(36).slice(2, 12);
        register('TENANT_KEY_' + (i % 7), value);
        fs.writeSync(i % 2 ? 2 : 1, 'request ' + i + ' key=' + value + '\\n');
      }
    `));
    assert.equal(code, 0, stderr);
    assert.equal((stdout.match(/ key=\*\*\*$/gm) ?? []).length, 200);
    assert.equal((stderr.match(/ key=\*\*\*$/gm) ?? []).length, 200);
    assert.doesNotMatch(stdout + stderr, /tenant-key-/);
  });

  it('a child that registers more than the socket holds before it prints anything does not block on it', { timeout: 30_000 }, async () => {
    const { code, stdout, stderr } = await run(child(`
      const values = Array.from({ length: 4 }, (_, i) => 'startup-key-' + i + '-' + 'Q'.repeat(100000));
      for (const value of values) register('TENANT_KEY', value);
      console.log('first ' + values[0] + ' last ' + values[3]);
    `));
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'first *** last ***\n');
  });

  it('a last line cut off by the channel\'s end is ignored with a warning', async () => {
    const { code, stdout, stderr } = await run(child(`
      const fd = Number(process.env.SINCH_ENTRYPOINT_MASK_FD);
      fs.writeSync(fd, JSON.stringify({ name: 'CUT', value: 'cut-off-value-123' }));
      fs.closeSync(fd);
      setTimeout(() => console.log('done'), 200);
    `));
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'done\n');
    assert.match(stderr, /line 1: no line break before the channel closed; ignored/);
    assert.doesNotMatch(stderr, /cut-off-value/);
  });

  it('ignores invalid lines with a warning that quotes none of them, and goes on reading', async () => {
    const { code, stdout, stderr } = await run(child(`
      const secret = 'pw-' + 'Zq9'.repeat(6);
      fs.writeSync(Number(process.env.SINCH_ENTRYPOINT_MASK_FD), 'not json ' + secret + '\\n');
      fs.writeSync(Number(process.env.SINCH_ENTRYPOINT_MASK_FD), JSON.stringify({ name: 'EVIL\\u001b[2J' + secret, value: secret }) + '\\n');
      fs.writeSync(Number(process.env.SINCH_ENTRYPOINT_MASK_FD), JSON.stringify([secret]) + '\\n');
      register('SHORT', 'abc');
      register('GOOD', secret);
      console.log('now ' + secret);
    `));
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'now ***\n');
    assert.match(stderr, /line 1: not JSON/);
    assert.match(stderr, /line 2: "name" is missing or not a key name/);
    assert.match(stderr, /line 3: not a JSON object/);
    assert.match(stderr, /not masking SHORT \(mask channel\): its value is shorter than/);
    assert.doesNotMatch(stderr, /Zq9|EVIL|abc/);
  });

  it('is not offered with --no-masking (development only), where nothing is masked', async () => {
    const args = child(`console.log('fd=' + process.env.SINCH_ENTRYPOINT_MASK_FD);`);
    const { code, stdout, stderr } = await run([...args.slice(0, 3), '--no-masking', ...args.slice(3)], { env: { SINCH_ENVIRONMENT: 'development' } });
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'fd=undefined\n');
  });
});
