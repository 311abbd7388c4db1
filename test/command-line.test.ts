// The command line: the quick parser of the start path agrees with yargs on everything it accepts, and declines the rest.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';

// Put in by the build (scripts/build.js); yargs' --version reads it.
Object.assign(globalThis, { SINCH_ENTRYPOINT_VERSION: '0.0.0-test' });
const { parseWithYargs, quickParse } = await import('../src/command-line.js');

const dir = mkdtempSync(join(tmpdir(), 'command-line-'));
const NAMES = ['dir', 'mask', 'min-secret-length', 'hold-ms', 'raw-limit', 'quiet', 'log-format', 'environment', 'secrets-dir', 'allow-missing', 'secrets-timeout', 'stop-timeout', 'single-child', 'store'];
const VALUES = ['0', '5', '50', '1.5', '-1', '', 'abc', '0x10', '1e3', '2147483648', 'text', 'json', 'xml', '***', '[{name}]', 'a=b', '.', dir, '/nonexistent', 'production', 'false', '--', 'file', 'auto'];
const OTHERS = ['run', 'redact', 'check', '--no-quiet', '--holdMs', '--bogus', '-q', 'node', 'true', '--quiet=true', '--dir.x', '--constructor', '--tostring'];

/** Options of `run` alone, absent from the other commands' parses. */
const RUN_ONLY = ['stop-timeout', 'single-child'];

/** yargs' reading of `argv`, or the message of the usage error it gives. */
async function viaYargs(argv: string[]): Promise<unknown> {
  try {
    return await parseWithYargs(argv);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** The part of a parse both parsers must agree on: the command and every option we read. */
function essence(parsed: unknown): unknown {
  if (typeof parsed !== 'object' || parsed === null) return parsed;
  const { command, args } = parsed as { command: string; args: Record<string, unknown> };
  return { command, args: Object.fromEntries(NAMES.filter((n) => n in args || !RUN_ONLY.includes(n)).map((n) => [n, args[n]])) };
}

describe('a flag given twice', () => {
  it('the last one wins, in yargs and so in the quick parser, which leaves every repeat to yargs', async () => {
    const other = mkdtempSync(join(tmpdir(), 'command-line-other-'));
    for (const argv of [['--mask', 'a', '--mask', 'b', '--', 'true'], ['--dir', dir, '--dir', other, '--', 'true'], ['redact', '--hold-ms', '5', '--hold-ms=7'], ['--quiet', '--quiet', '--', 'true']]) {
      assert.equal(quickParse(argv), undefined, argv.join(' '));
      const parsed = (await parseWithYargs(argv)) as unknown as { args: Record<string, unknown> };
      assert.deepEqual([parsed.args.mask, parsed.args.dir, parsed.args['hold-ms'], parsed.args.quiet],
        [argv[0] === '--mask' ? 'b' : '***', argv[0] === '--dir' ? other : '.', argv[0] === 'redact' ? 7 : 50, argv[0] === '--quiet'], argv.join(' '));
    }
  });
});

describe('quickParse', () => {
  it('takes the command lines a container starts with, with the values yargs gives', async () => {
    for (const argv of [
      ['--environment', 'production', '--', 'node', 'index.js'],
      ['run', '--quiet', '--stop-timeout', '25', '--secrets-dir=/run/secrets', '--', 'dotnet', 'App.dll'],
      [],
      ['--', 'node', 'index.js', '--dir', 'elsewhere'],
      ['--single-child', '--', 'npm', 'start'],
      ['redact', '--dir', dir, '--hold-ms=0', '--mask', '[{name}]', '--log-format', 'json'],
    ]) {
      const quick = quickParse(argv);
      assert.ok(quick, `declined ${JSON.stringify(argv)}`);
      assert.deepEqual(essence(quick), essence(await viaYargs(argv)), JSON.stringify(argv));
    }
  });

  it('leaves to yargs what it does not read exactly as yargs would', () => {
    for (const argv of [
      ['--help'], ['--version'], ['-h'], ['check'], ['secrets', 'list'], ['--no-quiet', '--', 'x'], ['--quiet=false', '--', 'x'],
      ['--quiet', 'false', '--', 'x'], ['--holdMs', '5', '--', 'x'], ['--hold-ms', '5', '--hold-ms', '6', '--', 'x'],
      ['--hold-ms', '-1', '--', 'x'], ['--hold-ms=', '--', 'x'], ['--hold-ms', '--', 'x'], ['--log-format', 'xml', '--', 'x'],
      ['--dir', '/nonexistent', '--', 'x'], ['--stop-timeout', '1e12', '--', 'x'], ['node', 'index.js'], ['redact', '--stop-timeout', '5'], ['redact', '--single-child'],
      ['redact', '--', 'x'], ['run', 'run', '--', 'x'], ['-q', '--', 'x'], ['--constructor', 'x', '--', 'node'],
    ]) {
      assert.equal(quickParse(argv), undefined, JSON.stringify(argv));
    }
  });

  it('agrees with yargs on every command line it accepts (fuzzed)', async () => {
    const token = fc.oneof(
      fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)).map(([n, v]) => [`--${n}`, v]),
      fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)).map(([n, v]) => [`--${n}=${v}`]),
      fc.constantFrom(...NAMES).map((n) => [`--${n}`]),
      fc.constantFrom(...OTHERS).map((t) => [t]),
    );
    const argvs = fc.tuple(fc.constantFrom([], ['run'], ['redact']), fc.array(token, { maxLength: 5 }), fc.constantFrom([], ['--', 'node', 'index.js']))
      .map(([head, flags, tail]) => [...head, ...flags.flat(), ...tail]);
    let accepted = 0;
    await fc.assert(fc.asyncProperty(argvs, async (argv) => {
      const quick = quickParse(argv);
      if (quick === undefined) return;
      accepted++;
      assert.deepEqual(essence(quick), essence(await viaYargs(argv)));
    }), { numRuns: 600 });
    assert.ok(accepted >= 60, `only ${accepted} of 600 command lines took the quick path: the property tested little`);
  });
});
