// The bundle's entry: takes the signals first (Node as PID 1 ignores SIGTERM without a handler), then runs the CLI.
import { installSignalHandlers } from './signals.js';

/** Runs the command line `argv` and resolves to the exit code; bin/sinch-entrypoint.cjs calls it. */
export async function main(argv: string[]): Promise<number> {
  installSignalHandlers();
  // Loaded only now so that no signal arriving while the CLI loads (the bulk of our start-up) is lost.
  const { cli } = await import('./cli.js');
  return cli(argv);
}
