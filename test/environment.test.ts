// The development / production switch and the variables each runtime reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modeEnvironment, parseEnvironment } from '../src/environment.js';
import { EntrypointError } from '../src/exit-codes.js';

test('the flag wins over SINCH_ENVIRONMENT; development by default; case-insensitive', () => {
  assert.equal(parseEnvironment(undefined, undefined), 'development');
  assert.equal(parseEnvironment(undefined, ''), 'development');
  assert.equal(parseEnvironment(undefined, 'production'), 'production');
  assert.equal(parseEnvironment('development', 'production'), 'development');
  assert.equal(parseEnvironment('Production', undefined), 'production');
});

test('a bad flag is exit 64, a bad variable exit 78, each naming where it came from', () => {
  const fails = (flag: string | undefined, env: string | undefined, code: number, origin: string) =>
    assert.throws(() => parseEnvironment(flag, env), (e: unknown) =>
      e instanceof EntrypointError && e.exitCode === code && e.message === `${origin}: expected development or production`);
  fails('staging', 'production', 64, '--environment');
  fails(undefined, 'staging', 78, 'SINCH_ENVIRONMENT');
});

test('NODE_ENV, ASPNETCORE_ENVIRONMENT and DOTNET_ENVIRONMENT match the mode', () => {
  assert.deepEqual(modeEnvironment('development'), { NODE_ENV: 'development', ASPNETCORE_ENVIRONMENT: 'Development', DOTNET_ENVIRONMENT: 'Development' });
  assert.deepEqual(modeEnvironment('production'), { NODE_ENV: 'production', ASPNETCORE_ENVIRONMENT: 'Production', DOTNET_ENVIRONMENT: 'Production' });
});
