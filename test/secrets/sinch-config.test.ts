// The Sinch CLI's ~/.sinch/config.json as a source of the project id and key id.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Logger } from '../../src/log.js';
import { sinchConfigPath, sinchConfigSource } from '../../src/secrets/sinch-config.js';

function home(text?: string): string {
  const h = mkdtempSync(join(tmpdir(), 'home-'));
  if (text !== undefined) {
    mkdirSync(join(h, '.sinch'));
    writeFileSync(sinchConfigPath(h), text);
  }
  return h;
}

const warnings: string[] = [];
const log: Logger = { notice: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
const ALL = ['PROJECT_ID', 'PROJECT_ID_API_KEY', 'PROJECT_ID_API_SECRET', 'OTHER'];

test('projectId and keyId answer PROJECT_ID and PROJECT_ID_API_KEY; never the key secret', async () => {
  const h = home(JSON.stringify({ projectId: 'p-1', keyId: 'k-1', keySecret: 'must-not-be-read' }));
  assert.deepEqual(await sinchConfigSource(h, log).read(ALL), { PROJECT_ID: 'p-1', PROJECT_ID_API_KEY: 'k-1' });
});

test('absent file: nothing, silently; broken file: nothing, with a warning naming it', async () => {
  warnings.length = 0;
  assert.deepEqual(await sinchConfigSource(home(), log).read(ALL), {});
  assert.deepEqual(warnings, []);
  const h = home('{not json');
  assert.deepEqual(await sinchConfigSource(h, log).read(ALL), {});
  assert.deepEqual(warnings, [`${sinchConfigPath(h)}: ignored (not valid JSON)`]);
});
