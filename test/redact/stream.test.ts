// The redactor as users run it: `redact` over real pipes, for latency, deadlines, byte-exactness, memory and backpressure.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { needlesFor } from '../../src/redact/needles.js';
import { compileRedaction, createMatcher, createRedactor } from '../../src/redact/stream.js';
import { bin, collect, project, startRedact } from '../helpers/redact-bin.js';

const SECRET = 'hunter2-very-secret';

describe('redact over real pipes', () => {
  it('releases a partial line at once, without waiting for a newline or the deadline', async () => {
    // With a deadline of ten minutes, only bytes that cannot begin the secret can come out within the 5 s wait.
    const child = startRedact(project({ PASSWORD: SECRET }), ['--hold-ms', '600000']);
    const out = collect(child);
    child.stdin.write('progress: 42% (no newline yet)');
    assert.equal(await out.until((t) => t.includes('yet)')), 'progress: 42% (no newline yet)');
    child.stdin.end();
    assert.deepEqual(await once(child, 'close'), [0, null]);
  });

  // The deadline, both ways: a held prefix longer than --raw-limit comes out as the mask (and the rest of the secret
  // stays masked when it follows); a shorter one comes out raw.
  for (const c of [
    { name: 'as the mask, and the rest of the secret stays masked', first: 'token: hunter2-ve', seen: 'token: ***', rest: 'ry-secret and more\n', want: 'token: *** and more\n' },
    { name: 'raw when it is at most --raw-limit bytes', first: 'user: hun', seen: 'user: hun', rest: 't\n', want: 'user: hunt\n' },
  ]) {
    it(`a held prefix is released at the deadline ${c.name}`, async () => {
      const child = startRedact(project({ PASSWORD: SECRET }), ['--hold-ms', '20']);
      const out = collect(child);
      child.stdin.write(c.first);
      assert.equal(await out.until((t) => t.length >= c.seen.length), c.seen);
      child.stdin.end(c.rest);
      await once(child, 'close');
      assert.equal(out.bytes().toString(), c.want);
    });
  }

  it('masks a secret whose UTF-8 bytes arrive one write at a time, and passes split characters byte-exact', async () => {
    const secret = 'pässwörd-€-😀';
    const child = startRedact(project({ PASSWORD: secret }), ['--hold-ms', '2000']);
    const out = collect(child);
    const input = Buffer.from(`a ${secret} b 😀é€ c\n`);
    for (const byte of input) {
      child.stdin.write(Buffer.from([byte]));
      await sleep(1);
    }
    child.stdin.end();
    await once(child, 'close');
    assert.equal(out.bytes().toString(), 'a *** b 😀é€ c\n');
  });

  it('is byte-exact for binary input without secrets (NUL, CR, invalid UTF-8)', () => {
    const input = Buffer.concat([randomBytes(1 << 20), Buffer.from('\0\r\n\xff\xfe\xc3', 'latin1'), randomBytes(1 << 20)]);
    const result = spawnSync(process.execPath, [bin, 'redact', '--quiet', '--dir', project({ PASSWORD: SECRET })], { input, maxBuffer: 1 << 24 });
    assert.equal(result.status, 0);
    assert.ok(result.stdout.equals(input), 'output differs from input');
  });

  it('masks secrets in every encoding inside random binary input', () => {
    const secret = 'p@ss "w0rd"/+<é>😀 ok';
    // What System.Text.Json writes: each UTF-16 unit outside printable ASCII, and `" + < >`, as \uXXXX.
    const dotnet = secret.replace(/[^\x20-\x7e]|["+<>]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0'));
    const pieces = [secret, JSON.stringify(secret), dotnet, encodeURIComponent(secret), new URLSearchParams({ k: secret }).toString(),
      Buffer.from(`u:${secret}`).toString('base64'), Buffer.from(`us${secret}`).toString('base64url')];
    const input = Buffer.concat(pieces.flatMap((p) => [randomBytes(70_000), Buffer.from(p)]));
    const result = spawnSync(process.execPath, [bin, 'redact', '--quiet', '--dir', project({ PASSWORD: secret })], { input, maxBuffer: 1 << 24 });
    assert.equal(result.status, 0);
    const { needles } = needlesFor([{ name: 'PASSWORD', value: secret }]);
    assert.ok(needles.length >= 10);
    for (const { bytes } of needles) assert.equal(result.stdout.indexOf(bytes), -1, bytes.toString());
    assert.ok(result.stdout.toString('latin1').split('***').length - 1 >= pieces.length, 'a mask per encoded copy');
  });

  it('keeps memory bounded on a 256 MiB line without a newline', async () => {
    const child = startRedact(project({ PASSWORD: SECRET }));
    let peakKiB = 0;
    const poll = setInterval(() => {
      const hwm = /VmHWM:\s+(\d+)/.exec(safeRead(`/proc/${child.pid}/status`));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
    }, 20);
    let received = 0;
    child.stdout.on('data', (chunk: Buffer) => (received += chunk.length));
    // Base64 text: every byte is in the needles' alphabet, so the automaton is exercised all along.
    const block = Buffer.from(randomBytes(3 << 18).toString('base64'));
    const total = 256 << 20;
    try {
      for (let sent = 0; sent < total; sent += block.length) if (!child.stdin.write(block)) await once(child.stdin, 'drain');
      child.stdin.end();
      await once(child, 'close');
    } finally {
      clearInterval(poll);
    }
    assert.equal(received, Math.ceil(total / block.length) * block.length);
    assert.ok(peakKiB > 0 && peakKiB < 150 * 1024, `peak RSS ${peakKiB} KiB`);
  });

  it('honours backpressure: a reader that stops reading stops the writer', async () => {
    const child = startRedact(project({ PASSWORD: SECRET }));
    child.stdout.pause();
    const block = Buffer.alloc(1 << 16, 'log line without secrets\n');
    let accepted = 0;
    // Write until the pipe stays full: the redactor must stop reading its stdin rather than buffer without limit.
    for (let stalled = false; !stalled && accepted < 256 << 20; ) {
      if (child.stdin.write(block)) accepted += block.length;
      else {
        accepted += block.length;
        stalled = (await Promise.race([once(child.stdin, 'drain').then(() => false), sleep(500).then(() => true)])) as boolean;
      }
    }
    assert.ok(accepted < 16 << 20, `accepted ${accepted} bytes with nobody reading`);
    const out = collect(child);
    child.stdout.resume();
    child.stdin.end();
    await once(child, 'close');
    assert.equal(out.bytes().length + 0, accepted);
  });

  it('ends quietly with 0 when its reader goes away (EPIPE)', () => {
    const dir = project({ PASSWORD: SECRET });
    const direct = spawnSync('bash', ['-c', `yes 'a line' | "${process.execPath}" "${bin}" redact --quiet --dir "${dir}" | head -c 10 >/dev/null; echo \${PIPESTATUS[1]}`], { encoding: 'utf8' });
    assert.equal(direct.stdout.trim(), '0');
    assert.equal(direct.stderr, '');
  });

  it('rejects an unknown flag with exit 64', () => {
    const result = spawnSync(process.execPath, [bin, 'redact', '--bogus-flag'], { encoding: 'utf8' });
    assert.equal(result.status, 64);
    assert.match(result.stderr, /unknown option \(not shown\)/);
    assert.doesNotMatch(result.stderr, /bogus/);
  });
});

describe('redactor stream in process', () => {
  it('emits the mask with the key name when asked', async () => {
    const stream = createRedactor(createMatcher(compileRedaction([{ name: 'STRIPE_KEY', value: 'sk_live_abc123' }]), '[REDACTED:{name}]'));
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.end('charge with sk_live_abc123 ok\n');
    await once(stream, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'charge with [REDACTED:STRIPE_KEY] ok\n');
  });

  it('a slow reader does not set off the deadline while the rest of a secret waits in our input', async () => {
    const stream = createRedactor(createMatcher(compileRedaction([{ name: 'P', value: 'correct-horse-battery' }])), { holdMs: 20 });
    // One chunk fills the readable side past its high-water mark and ends in 3 held bytes; the rest of the secret
    // then waits in the writable buffer, since nobody reads.
    stream.write(Buffer.concat([Buffer.alloc(1 << 16, 'x'), Buffer.from('\nkey: cor')]));
    stream.write('rect-horse-battery\n');
    await sleep(200);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.end();
    await once(stream, 'end');
    assert.equal(Buffer.concat(chunks).subarray(1 << 16).toString(), '\nkey: ***\n');
  });

  it('a stall of ours past the deadline is no pause of the writer\'s: what waits in the pipe is read before a release', async () => {
    const stream = createRedactor(createMatcher(compileRedaction([{ name: 'P', value: 'correct-horse-battery' }])), { holdMs: 100 });
    // A real pipe: 3 bytes of the secret (within --raw-limit, had the writer paused), the rest 50 ms later.
    const child = spawn('sh', ['-c', "printf 'key: cor'; sleep 0.05; printf 'rect-horse-battery\\n'"], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.pipe(stream);
    // Once the first bytes are held, our event loop blocks for 400 ms (as in a write to a slow terminal): the
    // deadline passes while the rest of the secret waits in the pipe.
    child.stdout.once('data', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400));
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await once(stream, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'key: ***\n');
  });

  it('our own lines wait while the child holds a partial secret, and never break it', async () => {
    const stream = createRedactor(createMatcher(compileRedaction([{ name: 'P', value: 'correct-horse-battery' }])), { holdMs: 60_000 });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.write('key: correct-hor');
    stream.writeMessage('ours: a notice\n');
    stream.write('se-battery and more\n');
    stream.writeMessage('ours: another\n');
    stream.end();
    await once(stream, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'key: *** and more\nours: a notice\nours: another\n');
  });

  it('passes bytes through untouched when there is nothing to mask', async () => {
    const stream = createRedactor(createMatcher(compileRedaction([])));
    const input = randomBytes(100_000);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.end(input);
    await once(stream, 'end');
    assert.ok(Buffer.concat(chunks).equals(input));
  });
});

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

