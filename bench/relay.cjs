// Baseline: the least a supervisor in Node can do, spawn the command and pipe its output to ours (bench/boot.ts).
'use strict';
const child = require('node:child_process').spawn(process.argv[2], process.argv.slice(3), { stdio: ['inherit', 'pipe', 'pipe'] });
child.stdout.pipe(process.stdout);
child.stderr.pipe(process.stderr);
child.on('exit', (code) => (process.exitCode = code));
