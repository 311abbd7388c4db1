// Which Sinch SDK clients the runtime will initialise from the resolved configuration, and what each one lacks.

export interface ClientPlan {
  client: string;
  ready: boolean;
  /** Names (or NAME=value conditions) still needed; empty when ready. */
  lacks: string[];
}

interface Requirement {
  client: string;
  /** Needs the base credentials PROJECT_ID, PROJECT_ID_API_KEY, PROJECT_ID_API_SECRET too. */
  base: boolean;
  /** Each must be non-empty. */
  names: string[];
  /** Each must have exactly this value. */
  equals?: Record<string, string>;
}

/** The runtime's table (configuration-secrets.md, "Environment variables that unlock SDK clients"). */
const CLIENTS: readonly Requirement[] = [
  { client: 'Voice', base: false, names: ['VOICE_APPLICATION_KEY', 'VOICE_APPLICATION_SECRET'] },
  { client: 'Conversation', base: true, names: ['CONVERSATION_APP_ID'] },
  { client: 'SMS', base: true, names: ['SMS_SERVICE_PLAN_ID'] },
  { client: 'Numbers', base: true, names: [], equals: { ENABLE_NUMBERS_API: 'true' } },
  { client: 'Verification', base: false, names: ['VERIFICATION_APPLICATION_ID', 'VERIFICATION_APPLICATION_SECRET'] },
];

/** The base Sinch credentials, always looked up ("you do not need to manage them in .env"). */
export const BASE_CREDENTIALS: readonly string[] = ['PROJECT_ID', 'PROJECT_ID_API_KEY', 'PROJECT_ID_API_SECRET'];

/** Plans every client from the values the child will see (variables and secrets together). */
export function planClients(values: Readonly<Record<string, string | undefined>>): ClientPlan[] {
  return CLIENTS.map((c) => {
    const lacks = [...(c.base ? BASE_CREDENTIALS : []), ...c.names].filter((name) => !values[name]);
    for (const [name, want] of Object.entries(c.equals ?? {})) if (values[name] !== want) lacks.push(`${name}=${want}`);
    return { client: c.client, ready: lacks.length === 0, lacks };
  });
}

/** Clients that a missing base credential makes unavailable, for the boot warning. */
export function clientsNeedingBase(): string[] {
  return CLIENTS.filter((c) => c.base).map((c) => c.client);
}
