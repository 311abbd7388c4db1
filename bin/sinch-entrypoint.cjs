#!/usr/bin/env node
// The bin: evaluates the bundle with the V8 code cache the build made for it, then runs the command line.
'use strict';
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'sinch-entrypoint.cjs');
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
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    // no cache (a build without one): compiled as usual
  }
  load(cachedData).main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { load, codeCache };
