// The .NET example built with the real SDK and run under the entrypoint: mode, masking in plain and JSON logs, SIGTERM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { start } from '../helpers/entrypoint.js';

const example = fileURLToPath(new URL('../../examples/dotnet-function', import.meta.url));
const sdk = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
const skip = sdk.status !== 0 && 'no .NET SDK (`dotnet`) on PATH';
if (skip) console.log(`# skipping the .NET example: ${skip}`);

describe('examples/dotnet-function', { skip }, () => {
  it('runs under the entrypoint: sees Production, its key masked in plain and JSON logs, stops on SIGTERM with 0', { timeout: 240_000 }, async () => {
    // --artifacts-path keeps bin/ and obj/ out of the example folder. The SDK's own target framework (net10.0 for
    // the .NET 10 SDK the example names) has its reference packs inside the SDK: no package download.
    const artifacts = mkdtempSync(join(tmpdir(), 'dotnet-example-'));
    const framework = `net${sdk.stdout.trim().split('.')[0]}.0`;
    const build = spawnSync('dotnet', ['build', example, '-c', 'Release', '--artifacts-path', artifacts, `-p:TargetFramework=${framework}`, '-nologo', '-v', 'quiet'], {
      encoding: 'utf8',
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
    });
    assert.equal(build.status, 0, `dotnet build failed:\n${build.stdout}\n${build.stderr}`);
    const out = join(artifacts, 'bin', 'DotnetFunction', 'release');

    const secret = 'sk_live_dotnet_51Hx9Zq2TkQe7Lw0';
    // No command: sinch.json (runtime dotnet10) and DotnetFunction.runtimeconfig.json in the output name it.
    const entry = start(['--environment', 'production'], {
      dir: out,
      env: {
        STRIPE_SECRET_KEY: secret, ASPNETCORE_URLS: 'http://127.0.0.1:0', DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        PROJECT_ID: 'dotnet-project', PROJECT_ID_API_KEY: 'dotnet-key-id', PROJECT_ID_API_SECRET: 'dotnet-key-secret',
      },
    });
    await entry.line(/Application started/, 60_000);
    entry.child.kill('SIGTERM');
    const { code } = await entry.exit;
    const [stdout, stderr] = [entry.stdout(), entry.stderr()];
    assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
    assert.match(stderr, /started dotnet \S*DotnetFunction\.dll/);
    assert.match(stdout, /^environment: Production; company: Acme Corp; Stripe key: \*\*\*$/m, 'ASPNETCORE_ENVIRONMENT seen, key masked');
    const json = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const loaded = json.find((e) => String(e.Message).startsWith('Configuration loaded'));
    assert.ok(loaded, `a JSON log entry for the configuration:\n${stdout}`);
    assert.equal(loaded.Message, 'Configuration loaded for Acme Corp with Stripe key ***');
    assert.equal(loaded.State.StripeKey, '***');
    assert.ok(json.some((e) => e.Message === 'Stopping: draining requests'), 'graceful shutdown ran');
    assert.match(stdout, /^stopped cleanly$/m);
    // A value it learned at run time, registered on the mask channel before it logged it.
    assert.match(stdout, /^fetched an access token: \*\*\*$/m);
    assert.doesNotMatch(stdout + stderr, /at-[0-9a-f]{8}-/);
    assert.ok(!stdout.includes(secret) && !stderr.includes(secret), 'the key never reached our output');
  });
});
