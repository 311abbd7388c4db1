#!/usr/bin/env node
// The bin: runs the CLI and leaves with its exit code.
import { cli } from './cli.js';

process.exitCode = await cli(process.argv.slice(2));
