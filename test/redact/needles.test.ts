// What is masked: each encoding a program may print a secret in, multi-line values, and the length policy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import { base64Cores, dotnetJsonEscape } from '../../src/redact/encodings.js';
import { needlesFor } from '../../src/redact/needles.js';

/** Redacts `text` with the needles of `secrets` in one write. */
function redact(secrets: { name: string; value: string }[], text: string): string {
  const { needles } = needlesFor(secrets);
  const automaton = compile(needles);
  const matcher = new Matcher(automaton, automaton.names.map(() => Buffer.from('***')));
  return Buffer.concat([...matcher.push(Buffer.from(text)), ...matcher.release(3)]).toString();
}

const secret = { name: 'API_KEY', value: 'p@ss w0rd+"<tag>&\'é😀/?' };

describe('needles', () => {
  it('masks the raw value', () => {
    assert.equal(redact([secret], `key=${secret.value};`), 'key=***;');
  });

  it('masks what JSON.stringify writes', () => {
    const line = JSON.stringify({ level: 'info', key: secret.value });
    assert.equal(redact([secret], line), '{"level":"info","key":"***"}');
  });

  it("masks what .NET's System.Text.Json writes by default", () => {
    const escaped = dotnetJsonEscape(secret.value);
    assert.equal(escaped, 'p@ss w0rd\\u002B\\u0022\\u003Ctag\\u003E\\u0026\\u0027\\u00E9\\uD83D\\uDE00/?');
    assert.equal(redact([secret], `{"key":"${escaped}"}`), '{"key":"***"}');
    assert.equal(redact([secret], `{"key":"${escaped.toLowerCase()}"}`), '{"key":"***"}');
  });

  it("masks what Python's json.dumps writes (ensure_ascii), checked against the real encoder", (t) => {
    const python = spawnSync('python3', ['-c', 'import json, sys; print(json.dumps(sys.argv[1])[1:-1])', secret.value], { encoding: 'utf8' });
    if (python.status !== 0) return t.skip('no python3 here');
    const written = python.stdout.trimEnd();
    assert.match(written, /\\u00e9/);
    assert.equal(redact([secret], `{"key": "${written}"}`), '{"key": "***"}');
  });

  it("masks Go's HTML-safe JSON (encoding/json: < > & as \\u003c ...)", () => {
    const s = { name: 'K', value: 'a<b>&c"d' };
    assert.equal(redact([s], '"a\\u003cb\\u003e\\u0026c\\"d"'), '"***"');
  });

  it('masks URL and form encodings in either hex case', () => {
    const uri = encodeURIComponent(secret.value);
    const form = new URLSearchParams({ k: secret.value }).toString().slice(2);
    for (const encoded of [uri, uri.toLowerCase(), uri.replace(/%20/g, '+'), form]) {
      assert.equal(redact([secret], `GET /cb?k=${encoded}&x=1`), 'GET /cb?k=***&x=1', encoded);
    }
  });

  // No Go toolchain here: the strings below are written by hand from net/url's shouldEscape (upper-case hex).
  it("masks Go's QueryEscape, PathEscape and userinfo escaping (url.UserPassword)", () => {
    const s = { name: 'K', value: "a b/c;d,e?f:g@h&i=j+k$l~m!n'o(p)q*r" };
    const go = [
      'a+b%2Fc%3Bd%2Ce%3Ff%3Ag%40h%26i%3Dj%2Bk%24l~m%21n%27o%28p%29q%2Ar',
      'a%20b%2Fc%3Bd%2Ce%3Ff:g@h&i=j+k$l~m%21n%27o%28p%29q%2Ar',
      'a%20b%2Fc;d,e%3Ff%3Ag%40h&i=j+k$l~m%21n%27o%28p%29q%2Ar',
    ];
    for (const encoded of go) assert.equal(redact([s], `dsn=${encoded}!`), 'dsn=***!', encoded);
  });

  // Written by hand from Go's encoding/json before 1.22 (no Go toolchain here), with and without HTML escaping.
  it("masks Go's \\u0008 and \\u000c for backspace and form feed (encoding/json before Go 1.22), and \\b \\f", () => {
    const s = { name: 'K', value: 'tab\bback\fform<x>' };
    for (const encoded of ['tab\\u0008back\\u000cform\\u003cx\\u003e', 'tab\\u0008back\\u000cform<x>', 'tab\\bback\\fform\\u003cx\\u003e', 'tab\\bback\\fform<x>']) {
      assert.equal(redact([s], `{"k":"${encoded}"}`), '{"k":"***"}', encoded);
    }
  });

  it('masks base64 and base64url inside a larger blob, at every alignment', () => {
    const s = { name: 'TOKEN', value: 'correct-horse-battery-staple' };
    for (const prefix of ['', 'u', 'us', 'user:']) {
      const blob = Buffer.from(`${prefix}${s.value}!?`).toString('base64');
      const out = redact([s], `Authorization: Basic ${blob}`);
      assert.ok(!out.includes(Buffer.from(s.value).toString('base64').slice(2, 20)), out);
      assert.match(out, /\*\*\*/);
      const url = Buffer.from(`${prefix}${s.value}`).toString('base64url');
      assert.match(redact([s], `jwt=${url}.sig`), /^jwt=[\w-]{0,8}\*\*\*[\w-]{0,3}\.sig$/);
    }
  });

  it('base64 cores depend only on the secret bytes, in base64 and base64url', () => {
    const value = '0123456789?>~';
    const cores = base64Cores(value);
    assert.ok(cores.some((core) => /[+/]/.test(core)) && cores.some((core) => /[-_]/.test(core)), cores.join(' '));
    // Each is found at one of the alignments whatever bytes surround the secret there.
    const encoded = (around: number, k: number): string[] => {
      const blob = Buffer.concat([Buffer.alloc(k, around), Buffer.from(value), Buffer.alloc(2, around)]);
      return [blob.toString('base64'), blob.toString('base64url')];
    };
    for (const core of cores) {
      assert.ok([0, 1, 2].some((k) => [0x00, 0xff].every((around) => encoded(around, k).some((blob) => blob.includes(core)))), core);
    }
  });

  it('masks a multi-line value whole (LF and CRLF) and line by line', () => {
    const pem = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END KEY-----';
    const s = { name: 'PEM', value: pem };
    assert.equal(redact([s], `key:\n${pem}\nok`), 'key:\n***\nok');
    assert.equal(redact([s], `key:\r\n${pem.replace(/\n/g, '\r\n')}\r\nok`), 'key:\r\n***\r\nok');
    assert.equal(redact([s], 'only the middle: BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj.'), 'only the middle: ***.');
    assert.equal(redact([s], JSON.stringify({ pem })), '{"pem":"***"}');
  });

  it('takes a value with a lone surrogate (JSON can carry one) and masks it as UTF-8 writes it', () => {
    const s = { name: 'K', value: '\ud83dabc-def' };
    assert.equal(redact([s], `v=${Buffer.from(s.value).toString()};`), 'v=***;');
  });

  it('does not mask values shorter than 4 bytes, and names them', () => {
    const { needles, tooShort } = needlesFor([{ name: 'SHORT', value: 'abc' }, { name: 'EMPTY', value: '' }, { name: 'OK', value: 'abcd' }]);
    assert.deepEqual(tooShort, ['SHORT']);
    assert.deepEqual(needles.map((n) => n.bytes.toString()), ['abcd']);
  });

  it('drops derived forms shorter than 8 bytes but keeps the raw value', () => {
    const { needles } = needlesFor([{ name: 'K', value: 'a b' + 'c' }]);
    assert.ok(needles.every((n) => n.bytes.length >= 8 || n.bytes.toString() === 'a bc'));
    assert.ok(!needles.some((n) => n.bytes.toString() === 'a+bc'));
  });
});

describe('values the function unescapes itself', () => {
  it("are masked in .NET's JSON too, whole and line by line (a PEM line's + as \\u002B)", () => {
    const lines = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC+/xyz+abc', 'k3Jd+Q8u2Lp0aZ/7Vb+Xn1Wq', '-----END PRIVATE KEY-----'];
    const value = lines.join('\\n'); // kept on one line with literal \n, as in an environment variable
    const unescaped = lines.join('\n');
    const out = redact([{ name: 'KEY', value }], `whole "${dotnetJsonEscape(unescaped)}" line "${dotnetJsonEscape(lines[1]!)}"`);
    assert.equal(out, 'whole "***" line "***"');
  });
});

describe('the forms of large values (memory: 1 MiB of secret values in all, under 128 MB peak, bench:memory)', () => {
  const bytesOf = (value: string) => needlesFor([{ name: 'F', value }]).needles.reduce((n, x) => n + x.bytes.length, 0);
  it('a file of more than 65,536 characters keeps its raw, JSON and base64 forms: 16x its size, not 28x', () => {
    const file = 'é€ü +&="\\'.repeat(40_000); // 400,000 characters, 1.2 MB of UTF-8, every encoder's escapes in it
    const size = Buffer.byteLength(file);
    const total = bytesOf(file);
    assert.ok(total < 17 * size, `${total} bytes of needles for ${size}`);
    const text = `a ${file} b ${JSON.stringify(file)} c ${Buffer.from(file).toString('base64')} d`;
    // Base64's last characters also hold padding bits: they are not the secret's alone (base64Cores).
    assert.match(redact([{ name: 'F', value: file }], text), /^a \*\*\* b "\*\*\*" c \*\*\*[A-Za-z0-9+/=]{0,4} d$/);
  });
  it('a value of more than 512 bytes gets no JWT forms, whatever its length in characters', () => {
    // A JWT payload as Python writes it: JSON with every non-ASCII character as \uxxxx, in base64.
    const jwt = (value: string) => Buffer.from(JSON.stringify({ k: value }).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)).toString('base64');
    const long = '€'.repeat(300); // 300 characters, 900 bytes
    assert.equal(redact([{ name: 'V', value: long }], `t ${jwt(long)} t`), `t ${jwt(long)} t`);
    const short = '€'.repeat(100); // 300 bytes
    assert.match(redact([{ name: 'V', value: short }], `t ${jwt(short)} t`), /\*\*\*/);
  });
});
