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
 * What a code cache is valid for: the very Node that made it, with the same flags. V8 checks only its own version
 * and flags, and every Node 20 release reports V8 11.3.244.8 while their embedded builtins differ: a cache packed
 * under 20.20.2 is accepted by 20.19.5 and crashes it (SIGSEGV, or "Promise.all is not a function"). So each cache
 * starts with this line, and one made by anything else is not given to V8 at all.
 */
function cacheKey() {
  const { version, arch, platform, versions, execArgv, env } = process;
  return `sinch-entrypoint code cache 1 ${version} ${platform}-${arch} v8-${versions.v8} ${JSON.stringify(execArgv)} ${JSON.stringify(env.NODE_OPTIONS ?? '')}\n`;
}

/** The V8 data of `file`.cache when that cache was made by this very Node (cacheKey), else undefined. */
function readCache(file) {
  let cache;
  try {
    cache = readFileSync(`${file}.cache`);
  } catch {
    return undefined; // none (a build or an install that made none): compiled as usual
  }
  const key = Buffer.from(cacheKey());
  return cache.length > key.length && key.equals(cache.subarray(0, key.length)) ? cache.subarray(key.length) : undefined;
}

/**
 * Evaluates `file` as Node would a CommonJS file, but through a vm.Script that can take V8's code cache (readCache,
 * when `cache`): compiling our JavaScript was a third of our start-up, and Node 20 has no compile cache of its own
 * (module.enableCompileCache arrived in Node 22). Without a matching cache the file is compiled as usual: a slower
 * start, nothing else. Adds the script to `scripts`.
 */
function evaluate(file, require, cache, scripts) {
  const cachedData = cache ? readCache(file) : undefined;
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

/**
 * NODE_DEBUG is the function's setting (the child gets it unchanged), but Node reads it once as it starts, before
 * this file runs, so deleting it now would change nothing: Node's debuglog, and undici's through it, would print to
 * our stderr (undici: the platform store's signed URL) where no redactor sees it. Our process drops those lines
 * instead. Each is one string written to process.stderr, `<SET> <our pid>: ...`, which our own messages
 * (`sinch-entrypoint: ...`) and the child's output (Buffers, from the redactor) never are. process.stderr is left
 * unmade until first used (src/stdio.ts says why).
 */
function dropNodeDebug() {
  if (!process.env.NODE_DEBUG) return;
  const debugLine = new RegExp(`^[A-Z0-9_]+ (?:\\x1b\\[\\d+m)?${process.pid}(?:\\x1b\\[\\d+m)?: `);
  const make = Object.getOwnPropertyDescriptor(process, 'stderr')?.get;
  if (make === undefined) return;
  let made;
  Object.defineProperty(process, 'stderr', {
    configurable: true,
    enumerable: true,
    get() {
      if (made === undefined) {
        made = make.call(process);
        const write = made.write;
        made.write = function (chunk, ...rest) {
          if (typeof chunk !== 'string' || !debugLine.test(chunk)) return write.call(this, chunk, ...rest);
          const done = rest.find((arg) => typeof arg === 'function');
          if (done) process.nextTick(done);
          return true;
        };
      }
      return made;
    },
  });
}

if (require.main === module) {
  dropNodeDebug();
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

module.exports = { load, cacheKey, readCache };
