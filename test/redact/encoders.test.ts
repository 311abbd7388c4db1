// What real encoders (Node, Python, .NET, Java, bash -x, sh -x) print for tricky secrets is masked whole.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { compile } from '../../src/redact/automaton.js';
import { Matcher } from '../../src/redact/matcher.js';
import { needlesFor } from '../../src/redact/needles.js';

const fixtures = fileURLToPath(new URL('../fixtures/encoders', import.meta.url));

// Each holds characters the encoders disagree on. The values go to the encoders through the environment, as the
// function receives them: the lone surrogate arrives as U+FFFD, while the redactor is given the value as it was.
const secrets = [
  "p@ss!w0rd'(x)*~/+&= \"q\"\\z",
  "pässwörd € 😀 ~!*'()",
  "del\x7fsecret+x<y>'~",
  'lone\ud800surrogate~x(y)',
  'semi;colon:at@dollar$comma,pct%q#h?[b]{c}|^`<>',
  'back\\slash/path\\x y+z',
];

/** Redacts `text` with the needles of `secrets` in one write, the mask `***`. */
function redact(text: string): string {
  const { needles } = needlesFor(secrets.map((value, i) => ({ name: `S${i}`, value })));
  const automaton = compile(needles);
  const matcher = new Matcher(automaton, automaton.names.map(() => Buffer.from('***')));
  return Buffer.concat([...matcher.push(Buffer.from(text)), ...matcher.release(3)]).toString();
}

const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  SECRET_COUNT: String(secrets.length),
  ...Object.fromEntries(secrets.map((value, i) => [`SECRET_${i}`, value])),
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
});

/**
 * Runs an encoder program (lines of "index<TAB>encoder<TAB>base64 of what it wrote") and returns, for each form
 * that is not masked whole, what the redacted form still shows. A base64 form (a JWT) may keep the few characters
 * that encode the JSON around the secret, at most 10 before the mask and 6 after it.
 */
function leaks(command: string, args: string[]): string[] {
  const run = spawnSync(command, args, { encoding: 'utf8', env: env() });
  assert.equal(run.status, 0, `${command} failed:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  assert.ok(lines.length >= secrets.length, run.stdout);
  const found: string[] = [];
  for (const line of lines) {
    const [index, encoder, encoded] = line.split('\t');
    const form = Buffer.from(encoded!, 'base64').toString();
    const out = redact(form);
    const base64 = /jwt|base64|b64/.test(encoder!);
    const masked = base64 ? /^[\w+/-]{0,10}\*\*\*[\w+/=-]{0,6}$/.test(out) : out === '***';
    if (!masked) found.push(`${encoder} of secret ${index}: ${JSON.stringify(form)} -> ${JSON.stringify(out)}`);
  }
  return found;
}

const has = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

describe('forms written by real encoders', () => {
  it("Node: URL's userinfo, search and pathname setters, URLSearchParams, encodeURIComponent, JSON.stringify, a JWT", () => {
    assert.deepEqual(leaks(process.execPath, [join(fixtures, 'encoders.mjs')]), []);
  });

  it('Python: quote, quote_plus, urlencode, json.dumps (ASCII and not), a JWT (PyJWT) and base64 of JSON', (t) => {
    if (!has('python3', ['--version'])) return t.skip('no python3 here');
    assert.deepEqual(leaks('python3', [join(fixtures, 'encoders.py')]), []);
  });

  it('Java: URLEncoder (java runs the source file)', (t) => {
    if (!has('java', ['-version'])) return t.skip('no java here');
    assert.deepEqual(leaks('java', [join(fixtures, 'Encoders.java')]), []);
  });

  it('.NET: Uri.EscapeDataString, WebUtility and HttpUtility.UrlEncode, FormUrlEncodedContent, System.Text.Json, a JWT', { timeout: 240_000 }, (t) => {
    const sdk = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
    if (sdk.status !== 0) return t.skip('no .NET SDK (`dotnet`) on PATH');
    // The SDK's own target framework has its reference packs inside the SDK: no package download.
    const artifacts = mkdtempSync(join(tmpdir(), 'dotnet-encoders-'));
    try {
      const framework = `net${sdk.stdout.trim().split('.')[0]}.0`;
      const project = join(fixtures, 'dotnet');
      const build = spawnSync('dotnet', ['build', project, '-c', 'Release', '--artifacts-path', artifacts, `-p:TargetFramework=${framework}`, '-nologo', '-v', 'quiet'], { encoding: 'utf8', env: env() });
      assert.equal(build.status, 0, `dotnet build failed:\n${build.stdout}\n${build.stderr}`);
      assert.deepEqual(leaks('dotnet', [join(artifacts, 'bin', 'Encoders', 'release', 'Encoders.dll')]), []);
    } finally {
      rmSync(artifacts, { recursive: true, force: true });
    }
  });

  for (const shell of ['bash', 'sh']) {
    it(`${shell} -x traces a command's arguments (bash re-quotes ' as '\\'')`, (t) => {
      if (!has(shell, ['-c', ':'])) return t.skip(`no ${shell} here`);
      const found: string[] = [];
      for (const [i, value] of secrets.entries()) {
        const run = spawnSync(shell, ['-xc', ': "$S"'], { encoding: 'utf8', env: { ...process.env, S: value } });
        const out = redact(run.stderr);
        if (!/^\+ : '?\*\*\*'?\n$/.test(out)) found.push(`secret ${i}: ${JSON.stringify(run.stderr)} -> ${JSON.stringify(out)}`);
      }
      assert.deepEqual(found, []);
    });
  }
});
