#!/usr/bin/env node
// The bin: evaluates our bundles with the V8 code caches the build made for them, then runs the command line.
'use strict';
const { readFileSync, realpathSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const dist = join(dirname(realpathSync(__filename)), '..', 'dist');
const main = join(dist, 'sinch-entrypoint.cjs');
/** Dependencies the main bundle requires only on some paths, each a bundle with a cache of its own (scripts/build.js). */
const apart = { undici: join(dist, 'undici.cjs'), yargs: join(dist, 'yargs.cjs') };

/**
 * Evaluates `file` as Node would a CommonJS file, but through a vm.Script that can take V8's code cache (`file`.cache
 * when `cache`): compiling our JavaScript was a third of our start-up, and Node 20 has no compile cache of its own
 * (module.enableCompileCache arrived in Node 22). A cache from another V8 or other flags is rejected by V8, and the
 * file is then compiled as it would be without one. Adds the script to `scripts`.
 */
function evaluate(file, require, cache, scripts) {
  let cachedData;
  try {
    if (cache) cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache (a build without one): compiled as usual
  }
  let script;
  try {
    script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  } catch (error) {
    throw new Error(`cannot load ${file} (${error.code ?? error.message}): run npm run build`);
  }
  scripts.set(file, script);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, file, dirname(file));
  return module.exports;
}

/**
 * Loads the main bundle; its `require('undici')` or `require('yargs')` evaluates that dependency's own bundle, so
 * that only a start that needs it pays for it. Returns the entry, that require and the scripts so far.
 */
function load({ cache = true } = {}) {
  const scripts = new Map();
  const base = Module.createRequire(main);
  const loaded = {};
  const require = Object.assign((id) => (Object.hasOwn(apart, id) ? (loaded[id] ??= evaluate(apart[id], base, cache, scripts)) : base(id)), base);
  return { main: evaluate(main, require, cache, scripts).main, require, scripts };
}

if (require.main === module) {
  // Until the bundle has taken the signals (src/signals.ts), a stop request ends us as its default action would,
  // but with an exit code: the kernel drops default-action signals sent to PID 1.
  const early = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 };
  const stop = (signal) => process.exit(128 + early[signal]);
  for (const signal of Object.keys(early)) process.on(signal, stop);
  let entry;
  try {
    entry = load().main;
  } catch (error) {
    process.stderr.write(`sinch-entrypoint: ${error.message}\n`);
    process.exit(70);
  }
  const done = entry(process.argv.slice(2)); // takes the signals before its first await
  for (const signal of Object.keys(early)) process.removeListener(signal, stop);
  done.then((code) => {
    process.exitCode = code;
  });
}

module.exports = { load };
