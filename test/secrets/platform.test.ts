// The platform store client against a real HTTP server on 127.0.0.1 with scripted faults.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { EntrypointError } from '../../src/exit-codes.js';
import { platformSettings } from '../../src/secrets/platform-contract.js';
import { fetchPlatformStore, type PlatformOptions } from '../../src/secrets/platform.js';
import { hang, json, malformed, oversized, reset, startStore, status, type Step, type StoreServer } from '../helpers/store-server.js';

const TOKEN = 'tok-3f9a1c-never-print-me';
const BODY = { variables: { COMPANY_NAME: 'Acme' }, secrets: { STRIPE_KEY: 'sk_live_abc123' } };
let server: StoreServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function fetchWith(steps: Step[], options: Partial<PlatformOptions> = {}) {
  server = await startStore(steps);
  const started = Date.now();
  const run = fetchPlatformStore({ url: new URL(server.url()), token: TOKEN, deadlineMs: 3000, baseDelayMs: 20, ...options });
  return { run, started, server };
}

/** Expects exit 69 with a message naming the host and matching `reason`, never the token. */
async function expectUnavailable(run: Promise<unknown>, reason: RegExp): Promise<string> {
  const error = await run.then(() => assert.fail('expected the store to be unavailable'), (e: unknown) => e);
  assert.ok(error instanceof EntrypointError, String(error));
  assert.equal(error.exitCode, 69);
  assert.match(error.message, new RegExp(`platform secret store at 127\\.0\\.0\\.1:${new URL(server!.origin).port} could not be read`));
  assert.match(error.message, reason);
  assert.ok(!error.message.includes(TOKEN), 'the token leaked into the message');
  return error.message;
}

describe('platform store: success and recovery', () => {
  test('200: returns variables and secrets, sends the bearer token', async () => {
    const { run, server } = await fetchWith([json(BODY)]);
    assert.deepEqual(await run, BODY);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(server.requests[0]?.method, 'GET');
  });

  test('500 then 503 then 200: retried and recovered', async () => {
    const { run, server } = await fetchWith([status(500), status(503), json(BODY)]);
    assert.deepEqual(await run, BODY);
    assert.equal(server.requests.length, 3);
  });

  test('a slow or failing store is not silent: a notice after 1 s and at each retry, naming the host only', async () => {
    const said: string[] = [];
    const { run, server } = await fetchWith([hang, status(503), json(BODY)], { onWait: (m) => said.push(m), deadlineMs: 6000, baseDelayMs: 50 });
    assert.deepEqual(await run, BODY);
    const host = `127.0.0.1:${new URL(server.origin).port}`;
    assert.equal(said.length, 3, said.join('\n'));
    assert.match(said[0]!, new RegExp(`^waiting for the platform store at ${host.replaceAll('.', '\\.')}: attempt 1, 1\\.\\d s of 6 s$`));
    assert.match(said[1]!, /: attempt 2, \d\.\d s of 6 s \(last: .+\)$/);
    assert.match(said[2]!, /: attempt 3, \d\.\d s of 6 s \(last: HTTP 503\)$/);
    for (const line of said) assert.ok(!line.includes(TOKEN) && !line.includes('/v1/secrets'), line);
  });

  test('a store that answers within 1 s says nothing', async () => {
    const said: string[] = [];
    const { run } = await fetchWith([json(BODY)], { onWait: (m) => said.push(m) });
    await run;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.deepEqual(said, []);
  });

  test('429 with Retry-After: 1 waits about a second, then recovers', async () => {
    const { run, server } = await fetchWith([status(429, { 'retry-after': '1' }), json(BODY)]);
    assert.deepEqual(await run, BODY);
    const gap = server.requests[1]!.at - server.requests[0]!.at;
    assert.ok(gap >= 950, `retried after ${gap} ms, before Retry-After`);
  });

  test('connection reset, then 200: recovered', async () => {
    const { run, server } = await fetchWith([reset, json(BODY)]);
    assert.deepEqual(await run, BODY);
    assert.equal(server.requests.length, 2);
  });

  test('a response that never comes is abandoned after the attempt timeout and retried', async () => {
    const { run, server } = await fetchWith([hang, json(BODY)], { deadlineMs: 1500 });
    assert.deepEqual(await run, BODY);
    assert.equal(server.requests.length, 2);
  });

  test('backoff grows exponentially between retries (with jitter in [step/2, step])', async () => {
    const { run, server } = await fetchWith([status(500), status(500), status(500), status(500), json(BODY)], { baseDelayMs: 50 });
    assert.deepEqual(await run, BODY);
    const gaps = server.requests.slice(1).map((r, i) => r.at - server.requests[i]!.at);
    assert.ok(gaps[0]! >= 25 && gaps[0]! < 150, `first wait ${gaps[0]} ms for a 50 ms step`);
    assert.ok(gaps[3]! >= 200, `fourth wait ${gaps[3]} ms for a 400 ms step`);
  });

  test('a same-origin redirect is followed with the token', async () => {
    const { run, server } = await fetchWith([status(307, { location: '/v2/secrets' }), json(BODY)]);
    assert.deepEqual(await run, BODY);
    assert.equal(server.requests[1]?.path, '/v2/secrets');
    assert.equal(server.requests[1]?.headers.authorization, `Bearer ${TOKEN}`);
  });
});

describe('platform store: exit 69', () => {
  test('always 500: gives up within the deadline naming the last status', async () => {
    const { run, started, server } = await fetchWith([status(500)], { deadlineMs: 1200 });
    await expectUnavailable(run, /HTTP 500 \(\d+ attempts in/);
    const took = Date.now() - started;
    assert.ok(took < 1200 + 500, `took ${took} ms for a 1200 ms deadline`);
    assert.ok(server.requests.length >= 3, `only ${server.requests.length} attempts`);
  });

  test('never responds: exit 69 within the deadline', async () => {
    const { run, started } = await fetchWith([hang], { deadlineMs: 1200 });
    await expectUnavailable(run, /no response within \d+ ms/);
    assert.ok(Date.now() - started < 1200 + 500);
  });

  test('always reset: names the connection reset', async () => {
    const { run } = await fetchWith([reset], { deadlineMs: 800 });
    await expectUnavailable(run, /connection reset/);
  });

  test('429 whose Retry-After is past the deadline: gives up at once', async () => {
    const { run, started, server } = await fetchWith([status(429, { 'retry-after': '120' })], { deadlineMs: 5000 });
    await expectUnavailable(run, /HTTP 429, Retry-After 120 s is past the deadline/);
    assert.ok(Date.now() - started < 1000);
    assert.equal(server.requests.length, 1);
  });

  test('401: not retried, says the token was refused without printing it', async () => {
    const { run, server } = await fetchWith([status(401)]);
    await expectUnavailable(run, /HTTP 401 \(the token was refused\) \(1 attempt in/);
    assert.equal(server.requests.length, 1);
  });

  test('malformed JSON: not retried', async () => {
    const { run, server } = await fetchWith([malformed]);
    await expectUnavailable(run, /malformed JSON/);
    assert.equal(server.requests.length, 1);
  });

  test('a secret that is not a string breaks the contract', async () => {
    const { run } = await fetchWith([json({ secrets: { A: 1 } })]);
    await expectUnavailable(run, /secrets\.A in the response is not a string/);
  });

  test('oversized body with Content-Length: refused before reading it', async () => {
    const { run } = await fetchWith([oversized(2 * 1024 * 1024, true)]);
    await expectUnavailable(run, /response larger than 1048576 bytes/);
  });

  test('oversized chunked body: cut off at the cap', async () => {
    const { run } = await fetchWith([oversized(2 * 1024 * 1024, false)], { maxBytes: 100_000 });
    await expectUnavailable(run, /response larger than 100000 bytes/);
  });

  test('a redirect loop on the same origin stops', async () => {
    const { run, server } = await fetchWith([status(307, { location: '/again' })]);
    await expectUnavailable(run, /too many redirects/);
    assert.equal(server.requests.length, 6);
  });

  test('a redirect to another origin is refused and the token never goes there', async () => {
    const other = await startStore([json(BODY)]);
    try {
      const { run } = await fetchWith([status(302, { location: other.url('/steal') })]);
      await expectUnavailable(run, new RegExp(`redirect to another origin \\(127\\.0\\.0\\.1:${new URL(other.origin).port}\\) refused`));
      assert.equal(other.requests.length, 0);
    } finally {
      await other.close();
    }
  });
});

describe('platform settings', () => {
  const env = (extra: Record<string, string>) => ({ SINCH_SECRETS_TOKEN: TOKEN, ...extra });
  const config = (fn: () => unknown, message: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof EntrypointError && e.exitCode === 78 && message.test(e.message) && !e.message.includes(TOKEN));

  test('no URL: no platform store', () => {
    assert.equal(platformSettings({ SINCH_SECRETS_TOKEN: TOKEN }), undefined);
  });

  test('https anywhere, http only on loopback', () => {
    assert.equal(platformSettings(env({ SINCH_SECRETS_URL: 'https://store.example/v1' }))?.url.host, 'store.example');
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9']) assert.ok(platformSettings(env({ SINCH_SECRETS_URL: `http://${host}/x` })));
    config(() => platformSettings(env({ SINCH_SECRETS_URL: 'http://store.example/v1' })), /plain http:\/\/ is allowed only for loopback, not store\.example/);
    config(() => platformSettings(env({ SINCH_SECRETS_URL: 'ftp://127.0.0.1/x' })), /must be https/);
  });

  test('a bad URL or one carrying credentials is refused without echoing it', () => {
    config(() => platformSettings(env({ SINCH_SECRETS_URL: 'not a url' })), /^SINCH_SECRETS_URL: not a valid URL$/);
    config(() => platformSettings(env({ SINCH_SECRETS_URL: 'https://user:pw@store.example/' })), /must not carry credentials/);
  });

  test('token from SINCH_SECRETS_TOKEN_FILE, trailing newline trimmed; none at all is exit 78', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'token-'));
    await writeFile(join(dir, 'token'), `${TOKEN}\n`);
    const url = 'https://store.example/';
    assert.equal(platformSettings({ SINCH_SECRETS_URL: url, SINCH_SECRETS_TOKEN_FILE: join(dir, 'token') })?.token, TOKEN);
    config(() => platformSettings({ SINCH_SECRETS_URL: url }), /neither SINCH_SECRETS_TOKEN nor SINCH_SECRETS_TOKEN_FILE/);
    config(() => platformSettings({ SINCH_SECRETS_URL: url, SINCH_SECRETS_TOKEN_FILE: join(dir, 'absent') }), /absent: cannot be read \(ENOENT\)/);
  });
});
