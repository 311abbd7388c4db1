// The default command derived from sinch.json's runtime, on real project directories.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deriveCommand } from '../src/command.js';
import { EntrypointError, ExitCode } from '../src/exit-codes.js';
import { run } from './helpers/entrypoint.js';

/** A directory holding `files` (name -> content). */
function dir(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'command-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

/** The exit code and message of the EntrypointError that `fn` throws. */
function failure(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EntrypointError, String(error));
    return { code: error.exitCode, message: error.message };
  }
  assert.fail('expected an EntrypointError');
}

describe('deriveCommand', () => {
  it('nodejs*: node <package.json main>', () => {
    const root = dir({ 'package.json': JSON.stringify({ main: 'lib/server.js' }), 'lib/server.js': '' });
    assert.deepEqual(deriveCommand(root, 'nodejs20'), { command: 'node', args: [join(root, 'lib/server.js')] });
  });

  it('nodejs*: index.js without a main (or without package.json); the path is joined to --dir', () => {
    const withManifest = dir({ 'package.json': '{"name":"x"}', 'index.js': '' });
    assert.deepEqual(deriveCommand(withManifest, 'nodejs22'), { command: 'node', args: [join(withManifest, 'index.js')] });
    const bare = dir({ 'index.js': '' });
    assert.deepEqual(deriveCommand(bare, 'nodejs18'), { command: 'node', args: [join(bare, 'index.js')] });
  });

  it('nodejs*: a main Node resolves (no extension, a folder) is kept as written', () => {
    const root = dir({ 'package.json': JSON.stringify({ main: 'dist' }), 'dist/index.js': '' });
    assert.deepEqual(deriveCommand(root, 'nodejs20').args, [join(root, 'dist')]);
  });

  it('nodejs*: a missing entry file or a broken package.json is a config error naming the file', () => {
    const missing = failure(() => deriveCommand(dir({ 'package.json': JSON.stringify({ main: 'app.js' }) }), 'nodejs20'));
    assert.equal(missing.code, ExitCode.config);
    assert.match(missing.message, /app\.js .*package\.json "main".* does not exist/);
    const broken = failure(() => deriveCommand(dir({ 'package.json': '{', 'index.js': '' }), 'nodejs20'));
    assert.equal(broken.code, ExitCode.config);
    assert.match(broken.message, /package\.json: not valid JSON/);
  });

  it('dotnet*: dotnet <Assembly>.dll named by the one *.runtimeconfig.json', () => {
    const root = dir({ 'Shop.Api.runtimeconfig.json': '{}', 'Shop.Api.dll': '', 'Shop.Api.deps.json': '{}' });
    assert.deepEqual(deriveCommand(root, 'dotnet8'), { command: 'dotnet', args: [join(root, 'Shop.Api.dll')] });
  });

  it('dotnet*: none, several, or a missing dll is a config error saying what to do', () => {
    const none = failure(() => deriveCommand(dir({ 'App.csproj': '' }), 'dotnet8'));
    assert.equal(none.code, ExitCode.config);
    assert.match(none.message, /no \*\.runtimeconfig\.json in .*dotnet publish -o/);
    const several = failure(() => deriveCommand(dir({ 'A.runtimeconfig.json': '{}', 'B.runtimeconfig.json': '{}' }), 'dotnet8'));
    assert.match(several.message, /several \*\.runtimeconfig\.json \(A\.runtimeconfig\.json, B\.runtimeconfig\.json\)/);
    const noDll = failure(() => deriveCommand(dir({ 'A.runtimeconfig.json': '{}' }), 'dotnet8'));
    assert.match(noDll.message, /has no A\.dll beside it/);
  });

  it('no runtime is a usage error; an unknown runtime a config error', () => {
    assert.equal(failure(() => deriveCommand('.', undefined)).code, ExitCode.usage);
    const python = failure(() => deriveCommand('.', 'python3'));
    assert.equal(python.code, ExitCode.config);
    assert.match(python.message, /runtime "python3" has no default command/);
  });
});

describe('run without a command', () => {
  it('starts node <main> from sinch.json runtime nodejs20', async () => {
    const root = dir({
      'sinch.json': JSON.stringify({ name: 'derived', runtime: 'nodejs20' }),
      '.env': '',
      'package.json': JSON.stringify({ main: 'server.js' }),
      'server.js': 'console.log(`derived ${process.argv[1]} ${process.env.NODE_ENV}`)',
    });
    const result = await run([], { dir: root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `derived ${join(root, 'server.js')} production\n`);
  });

  it('says what to do when sinch.json has no runtime', async () => {
    const result = await run([]);
    assert.equal(result.code, ExitCode.usage);
    assert.match(result.stderr, /no command: give one after `--`, or set "runtime" in sinch\.json/);
  });
});
