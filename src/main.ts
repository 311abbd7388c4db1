#!/usr/bin/env node
// The bin: takes the signals first (Node as PID 1 ignores SIGTERM without a handler), then runs the CLI.
import { installSignalHandlers } from './signals.js';

installSignalHandlers();
// Imported only now so that no signal arriving while the CLI loads (the bulk of our start-up) is lost.
const { cli } = await import('./cli.js');
process.exitCode = await cli(process.argv.slice(2));
