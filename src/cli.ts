// The composition root: parses the command line and wires config, secrets, redaction and the supervisor together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { EntrypointError, ExitCode } from './exit-codes.js';
import { createLogger, type Logger } from './log.js';
import type { Secret } from './redact/needles.js';
import type { Transform } from 'node:stream';

/** Options every command shares. */
interface GlobalArgs {
  dir: string;
  mask: string;
  'min-secret-length': number;
  'hold-ms': number;
  'raw-limit': number;
  quiet: boolean;
  'log-format': 'text' | 'json';
}

/** Runs one command line and resolves to the exit code to leave with. */
export async function cli(argv: string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const parser = yargs(argv)
    .scriptName('sinch-entrypoint')
    .usage('$0 [run] [options] -- <command> [args...]')
    .strict()
    .option('dir', { type: 'string', default: '.', describe: 'Project directory (sinch.json, .env)' })
    .option('mask', { type: 'string', default: '***', describe: 'Mask text; {name} expands to the secret key' })
    .option('min-secret-length', { type: 'number', default: 4, describe: 'Shortest secret value (bytes) that is masked' })
    .option('hold-ms', { type: 'number', default: 50, describe: 'Deadline before held bytes that may begin a secret are released (ms)' })
    .option('raw-limit', { type: 'number', default: 3, describe: 'At that deadline, up to this many held bytes are output raw; more are masked' })
    .option('quiet', { type: 'boolean', default: false, describe: 'Silence our notices' })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Format of our own messages' })
    .command('redact', "Filter stdin to stdout, masking the project's secrets", (y) => y, async (args) => {
      code = await redactCommand(args);
    })
    .help()
    .version()
    .fail((message, error) => {
      throw error ?? new EntrypointError(message, ExitCode.usage);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    return report(error, createLogger(process.stderr));
  }
  return code;
}

/** Maps a failure to one line on stderr and its exit code; never prints a stack for a user error. */
function report(error: unknown, log: Logger): number {
  if (error instanceof EntrypointError) {
    log.error(error.message);
    return error.exitCode;
  }
  log.error(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  return ExitCode.software;
}

/** Secret values known to the project (placeholder until the configuration issue lands: .env keys, values from env). */
async function loadSecrets(args: GlobalArgs): Promise<Secret[]> {
  const { parse } = (await import('dotenv')).default;
  let text = '';
  try {
    text = readFileSync(join(args.dir, '.env'), 'utf8');
  } catch {
    return [];
  }
  return Object.entries(parse(text))
    .map(([name, value]) => ({ name, value: process.env[name] || value }))
    .filter((s) => s.value !== '');
}

/** `redact`: stdin to stdout through one redactor; a closed stdout (EPIPE) ends it quietly. */
async function redactCommand(args: GlobalArgs): Promise<number> {
  const log = createLogger(process.stderr, { quiet: args.quiet, format: args['log-format'] });
  const secrets = await loadSecrets(args);
  const redactor = await redactorFactory(secrets, args, log);
  const { pipeline } = await import('node:stream/promises');
  try {
    await pipeline(process.stdin, redactor(), process.stdout);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  }
  return ExitCode.ok;
}

/** Compiles the secrets once and returns a maker of redactor streams that share the compiled automaton. */
async function redactorFactory(secrets: Secret[], args: GlobalArgs, log: Logger): Promise<() => Transform> {
  const { compileRedaction, createRedactor } = await import('./redact/stream.js');
  const minValueBytes = args['min-secret-length'];
  const redaction = compileRedaction(secrets, { minValueBytes, minDerivedBytes: Math.max(8, minValueBytes) });
  for (const name of redaction.tooShort) log.warn(`not masking ${name}: its value is shorter than ${minValueBytes} bytes (--min-secret-length)`);
  const options = { mask: args.mask, holdMs: args['hold-ms'], rawLimit: args['raw-limit'] };
  return () => createRedactor(redaction, options);
}

