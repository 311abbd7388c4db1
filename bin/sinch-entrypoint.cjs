#!/usr/bin/env node
// The bin: evaluates the bundle with the V8 code cache the build made for it, then runs the command line.
'use strict';
const { readFileSync, realpathSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(dirname(realpathSync(__filename)), '..', 'dist', 'sinch-entrypoint.cjs');
const codeCache = `${bundle}.cache`;

/**
 * Compiles and evaluates the bundle as Node would a CommonJS file, but through a vm.Script that can take V8's code
 * cache: compiling our ~1 MB of JavaScript is a third of our start-up, and Node 20 has no compile cache of its own
 * (module.enableCompileCache arrived in Node 22). A cache from another V8 or other flags is rejected by V8, and the
 * bundle is then compiled as it would be without one.
 */
function load(cachedData) {
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundle), module, bundle, dirname(bundle));
  return { main: module.exports.main, script };
}

if (require.main === module) {
  // Until the bundle has taken the signals (src/signals.ts), a stop request ends us as its default action would,
  // but with an exit code: the kernel drops default-action signals sent to PID 1.
  const early = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 };
  const stop = (signal) => process.exit(128 + early[signal]);
  for (const signal of Object.keys(early)) process.on(signal, stop);
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    // no cache (a build without one): compiled as usual
  }
  let main;
  try {
    main = load(cachedData).main;
  } catch (error) {
    process.stderr.write(`sinch-entrypoint: cannot load ${bundle} (${error.code ?? error.message}): run npm run build\n`);
    process.exit(70);
  }
  const done = main(process.argv.slice(2)); // takes the signals before its first await
  for (const signal of Object.keys(early)) process.removeListener(signal, stop);
  done.then((code) => {
    process.exitCode = code;
  });
}

module.exports = { load, codeCache };
