// sinch.json and .env parsing on real files: validation with key paths and line/column, .env edge cases.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { declareInDotenv, readDotenv, readSinchJson } from '../src/config.js';
import { jsonErrorPosition } from '../src/json-position.js';
import { EntrypointError } from '../src/exit-codes.js';
import type { Logger } from '../src/log.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, notice: (m) => lines.push(`notice ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

/** Expects exit 78 whose message matches, and never contains `secret` when given. */
function expectConfigError(fn: () => unknown, message: RegExp, secret?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EntrypointError, String(e));
    assert.equal(e.exitCode, 78);
    assert.match(e.message, message);
    if (secret) assert.ok(!e.message.includes(secret), `message leaks the value: ${e.message}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

describe('sinch.json', () => {
  test('name, runtime and variables', () => {
    const dir = project({ 'sinch.json': '\uFEFF{"name":"my-fn","runtime":"nodejs20","variables":{"COMPANY_NAME":"Acme Corp"},"other":1}' });
    const p = readSinchJson(dir);
    assert.deepEqual([p.found, p.name, p.runtime, p.variables], [true, 'my-fn', 'nodejs20', { COMPANY_NAME: 'Acme Corp' }]);
  });

  test('missing: allowed, no variables, no name', () => {
    const p = readSinchJson(project({}));
    assert.deepEqual([p.found, p.name, p.variables], [false, undefined, {}]);
  });

  test('invalid JSON names file, line and column', () => {
    const cases: [string, string][] = [
      ['{\n  "name": "x",\n}', ':3:1: invalid JSON'],
      // Node 20 gives no position for this one, and quotes the text: the position is found, the quote dropped.
      ['{\n  "variables": {"A": tru}\n}', ":2:25: invalid JSON \\(Unexpected token '\\}'\\)$"],
      ['{\n  "name" "x"\n}', ':2:10: invalid JSON'],
      ['{"name": "x"', ':1:13: invalid JSON'],
      ['', ':1:1: invalid JSON'],
    ];
    for (const [text, where] of cases) {
      const dir = project({ 'sinch.json': text });
      expectConfigError(() => readSinchJson(dir), new RegExp(`${join(dir, 'sinch.json')}${where}`));
    }
  });

  test('wrong types name the key path', () => {
    const cases: [unknown, RegExp][] = [
      [[], /the top level must be an object \(got an array\)/],
      [{ name: 3 }, /name must be a string of letters/],
      [{ name: '../../etc' }, /name must be .* \(got "..\/..\/etc"\)/],
      [{ runtime: '' }, /runtime must be a non-empty string/],
      [{ variables: [] }, /variables must be an object \(got an array\)/],
      [{ variables: { PORT: 8080 } }, /variables\.PORT must be a string \(got number\)/],
      [{ variables: { A: null } }, /variables\.A must be a string \(got null\)/],
      [{ variables: { 'BAD NAME': 'x' } }, /variables\["BAD NAME"\] is not a valid variable name/],
    ];
    for (const [data, message] of cases) {
      const dir = project({ 'sinch.json': JSON.stringify(data) });
      expectConfigError(() => readSinchJson(dir), message);
    }
  });

  test('jsonErrorPosition bisects when the message has no position', () => {
    const text = '{"a":\n  [1, 2, x]}';
    let message = '';
    try {
      JSON.parse(text);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.deepEqual(jsonErrorPosition(text, message), { line: 2, column: 10 });
  });
});

describe('.env', () => {
  test('declared keys in order; empty values are absent, non-empty kept; comments, export, quotes, CRLF', () => {
    const text = [
      '# keys only',
      'PROJECT_ID=',
      'export STRIPE_SECRET_KEY=',
      '  SPACED  =  ',
      'INLINE=abc # a comment',
      'QUOTED="a # not a comment"',
      "SINGLE='x y'",
      'EMPTY_QUOTES=""',
      'MULTI="line one',
      'line two = not a key',
      'line three"',
      'AFTER=1',
    ].join('\r\n');
    const d = readDotenv(project({ '.env': text }), recorder());
    assert.deepEqual(d.keys, ['PROJECT_ID', 'STRIPE_SECRET_KEY', 'SPACED', 'INLINE', 'QUOTED', 'SINGLE', 'EMPTY_QUOTES', 'MULTI', 'AFTER']);
    assert.deepEqual(d.values, { INLINE: 'abc', QUOTED: 'a # not a comment', SINGLE: 'x y', MULTI: 'line one\nline two = not a key\nline three', AFTER: '1' });
  });

  test('a key outside [A-Z0-9_]+ is exit 78 with its line number', () => {
    const dir = project({ '.env': 'GOOD=\n\nlower_case=\n' });
    expectConfigError(() => readDotenv(dir, recorder()), new RegExp(`${join(dir, '.env')}:3: the key must match \\[A-Z0-9_\\]\\+ \\(not shown\\)`));
    expectConfigError(() => readDotenv(project({ '.env': 'MY-KEY=1' }), recorder()), /:1: the key must match [^"]*$/);
  });

  test('a line without = names its line but never echoes it (it may be a pasted secret)', () => {
    const dir = project({ '.env': 'A=\nsk_live_pasted_secret_value\n' });
    expectConfigError(() => readDotenv(dir, recorder()), /\.env:2: expected KEY=VALUE$/, 'sk_live_pasted_secret_value');
  });

  test('an unclosed quote is an error; a duplicate key is a warning and the later value wins', () => {
    expectConfigError(() => readDotenv(project({ '.env': 'A="open\nB=\n' }), recorder()), /a quoted value is never closed/);
    const log = recorder();
    const d = readDotenv(project({ '.env': 'A=first\nB=\nA=second\n' }), log);
    assert.deepEqual([d.keys, d.values.A], [['A', 'B'], 'second']);
    assert.match(log.lines.join('\n'), /:3: A is declared again \(first on line 1\)/);
  });

  test('missing .env: nothing declared', () => {
    assert.deepEqual(readDotenv(project({}), recorder()).keys, []);
  });

  test('declareInDotenv appends KEY= once, keeping the last line intact', () => {
    const dir = project({ '.env': 'A=1' });
    assert.equal(declareInDotenv(dir, 'B', recorder()), true);
    assert.equal(declareInDotenv(dir, 'B', recorder()), false);
    assert.equal(declareInDotenv(dir, 'A', recorder()), false);
    assert.equal(readFileSync(join(dir, '.env'), 'utf8'), 'A=1\nB=\n');
    const fresh = project({});
    declareInDotenv(fresh, 'C', recorder());
    assert.equal(readFileSync(join(fresh, '.env'), 'utf8'), 'C=\n');
  });
});
