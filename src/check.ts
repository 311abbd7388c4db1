// Renders the `check` plan (sources of every key, SDK clients) as text or JSON, with its exit code; never a secret value.
import { ExitCode } from './exit-codes.js';
import type { Logger } from './log.js';
// Types only (erased at build): check renders the plans those modules define; cli.ts computes and passes them in.
import type { ClientPlan } from './sdk-clients.js';
import type { Resolved } from './secrets/resolve.js';

export interface CheckReport {
  environment: Resolved['environment'];
  function: string | null;
  runtime: string | null;
  variables: { name: string; value: string; source: string }[];
  /** source is where the value came from, "missing" (declared, no value) or "unset" (optional, no value). */
  secrets: { name: string; source: string }[];
  missing: string[];
  clients: ClientPlan[];
  /** run's boot self-test of the redaction, which passed (else check exits 70 before a report), and its cost. */
  selfTest: { passed: true; ms: number };
  /** Whether run follows the secrets while the function runs (--watch-secrets), what it reads, and --on-secret-change. */
  watch: { on: boolean; sources: string[]; onChange: string };
  /** How to give the missing ones (not in --json's output: a hint for people). */
  missingFix?: string;
}

/** Builds the plan from a resolved configuration; secret values never enter it. */
export function checkReport(resolved: Resolved, clients: ClientPlan[], selfTestMs: number, watch: CheckReport['watch']): CheckReport {
  const secrets = [
    ...resolved.secrets.map((s) => ({ name: s.name, source: s.source as string })),
    ...resolved.missing.map((name) => ({ name, source: 'missing' })),
    ...(resolved.missingOptional ?? []).map((name) => ({ name, source: 'unset' })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    environment: resolved.environment,
    function: resolved.functionName ?? null,
    runtime: resolved.runtime ?? null,
    variables: Object.keys(resolved.variables)
      .sort()
      .map((name) => ({ name, value: resolved.variables[name] as string, source: resolved.variableSources?.[name] ?? 'sinch.json' })),
    secrets,
    missing: resolved.missing,
    clients,
    selfTest: { passed: true, ms: Math.round(selfTestMs * 100) / 100 },
    watch,
    ...(resolved.missingFix ? { missingFix: resolved.missingFix } : {}),
  };
}

/** Writes the plan (text, or JSON with `json`) and names the missing secrets: exit 78 for them unless `allowMissing`. */
export function printCheck(plan: CheckReport, o: { json: boolean; allowMissing: boolean; out: (text: string) => void; log: Logger }): number {
  const { missingFix, ...shown } = plan;
  o.out(o.json ? `${JSON.stringify(shown, null, 2)}\n` : formatCheck(plan));
  if (plan.missing.length === 0) return ExitCode.ok;
  const message = `missing secrets: ${plan.missing.join(', ')}${missingFix ? `: ${missingFix}` : ''}`;
  if (o.allowMissing) o.log.warn(message);
  else o.log.error(message);
  return o.allowMissing ? ExitCode.ok : ExitCode.config;
}

/** The plan as aligned text for a terminal. */
export function formatCheck(report: CheckReport): string {
  const width = Math.max(12, ...report.variables.map((v) => v.name.length), ...report.secrets.map((s) => s.name.length)) + 2;
  const pad = (text: string): string => text.padEnd(width);
  const lines = [
    `${pad('environment')}${report.environment}`,
    `${pad('function')}${report.function ?? '(no sinch.json name)'}${report.runtime ? ` (${report.runtime})` : ''}`,
    'variables:',
    ...(report.variables.length ? report.variables.map((v) => `  ${pad(v.name)}${JSON.stringify(v.value)} from ${v.source}`) : ['  (none)']),
    'secrets (values hidden):',
    ...(report.secrets.length ? report.secrets.map((s) => `  ${pad(s.name)}${formatSource(s.source)}`) : ['  (none)']),
    'SDK clients:',
    ...report.clients.map((c) => `  ${pad(c.client)}${c.ready ? 'ready' : `unavailable, lacks ${c.lacks.join(', ')}`}`),
    `${pad('watching')}${formatWatch(report.watch)}`,
    `${pad('self-test')}passed: a test secret masked in every form, whole and split at every byte (${report.selfTest.ms} ms)`,
  ];
  if (report.missing.length) lines.push(`missing: ${report.missing.join(', ')}`);
  return lines.join('\n') + '\n';
}

function formatWatch(watch: CheckReport['watch']): string {
  if (!watch.on) return 'off (--watch-secrets; on by default in production)';
  if (watch.sources.length === 0) return 'on, but nothing to watch (no secrets directory, no platform store)';
  return `${watch.sources.join('; ')}; on a change: mask the new values, then ${watch.onChange === 'none' ? 'nothing more' : watch.onChange === 'restart' ? 'restart the function' : `send it ${watch.onChange}`} (--on-secret-change)`;
}

function formatSource(source: string): string {
  if (source === 'missing') return 'MISSING (declared in .env)';
  if (source === 'unset') return 'not set (optional)';
  return `from ${source}`;
}
