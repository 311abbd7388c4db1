// Which SDK clients initialise from a set of values, and what each one lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsNeedingBase, planClients } from '../src/sdk-clients.js';

const BASE = { PROJECT_ID: 'p', PROJECT_ID_API_KEY: 'k', PROJECT_ID_API_SECRET: 's' };

test('nothing set: every client lacks its own names (and the base credentials where needed)', () => {
  const plan = Object.fromEntries(planClients({}).map((c) => [c.client, c.lacks]));
  assert.deepEqual(plan, {
    Voice: ['VOICE_APPLICATION_KEY', 'VOICE_APPLICATION_SECRET'],
    Conversation: ['PROJECT_ID', 'PROJECT_ID_API_KEY', 'PROJECT_ID_API_SECRET', 'CONVERSATION_APP_ID'],
    SMS: ['PROJECT_ID', 'PROJECT_ID_API_KEY', 'PROJECT_ID_API_SECRET', 'SMS_SERVICE_PLAN_ID'],
    Numbers: ['PROJECT_ID', 'PROJECT_ID_API_KEY', 'PROJECT_ID_API_SECRET', 'ENABLE_NUMBERS_API=true'],
    Verification: ['VERIFICATION_APPLICATION_ID', 'VERIFICATION_APPLICATION_SECRET'],
  });
});

test('ready clients lack nothing; Numbers needs exactly "true"; an empty value is missing', () => {
  const plan = planClients({ ...BASE, CONVERSATION_APP_ID: 'app', ENABLE_NUMBERS_API: 'yes', VOICE_APPLICATION_KEY: 'v', VOICE_APPLICATION_SECRET: '' });
  const byName = Object.fromEntries(plan.map((c) => [c.client, c]));
  assert.deepEqual(byName.Conversation, { client: 'Conversation', ready: true, lacks: [] });
  assert.deepEqual(byName.Numbers?.lacks, ['ENABLE_NUMBERS_API=true']);
  assert.deepEqual(byName.Voice?.lacks, ['VOICE_APPLICATION_SECRET']);
  assert.equal(planClients({ ...BASE, ENABLE_NUMBERS_API: 'true' }).find((c) => c.client === 'Numbers')?.ready, true);
  assert.deepEqual(clientsNeedingBase(), ['Conversation', 'SMS', 'Numbers']);
});
