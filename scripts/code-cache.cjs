#!/usr/bin/env node
// Makes V8's code cache of the bundles in dist/ for the Node that runs this file. The build runs it; so does the
// package's postinstall, so that an image's own Node (node:20-slim is a moving tag) gets a cache that matches it.
//   node scripts/code-cache.cjs            make the caches, exit 1 with the reason if that fails (the build)
//   node scripts/code-cache.cjs --install  the same, but never fail an install: one line, exit 0
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const bin = join(__dirname, '..', 'bin', 'sinch-entrypoint.cjs');
const dist = join(__dirname, '..', 'dist');
const [value, token] = ['build-secret-value-0123456789', 'build-store-token-9876543210'];

/**
 * V8's code cache holds the bytecode of every function that has run, so it is made after one `run`, `check` and
 * `redact` over a throwaway project, in production as in a container, with secrets from a platform store on
 * 127.0.0.1: the paths a start takes (CLI, configuration, the store's HTTP client, supervisor, redactor). Loading
 * the HTTP client is most of a start with a store: its cache takes ~100 ms off such a boot. Runs in a process of its
 * own whose environment holds nothing of the machine's (its mounted secrets, its HOME) but NODE_OPTIONS, which is
 * part of the cache's key (bin/sinch-entrypoint.cjs).
 */
function train(dir) {
  const { load, cacheKey } = require(bin);
  const { main, scripts } = load({ cache: false });
  const flags = ['--quiet', '--environment', 'production', '--dir', dir, '--secrets-dir', dir];
  const store = createServer((request, response) => response.end(JSON.stringify({ secrets: { BUILD_SECRET: value } })));
  store.listen(0, '127.0.0.1', async () => {
    process.env.SINCH_SECRETS_URL = `http://127.0.0.1:${store.address().port}/`;
    process.env.SINCH_SECRETS_TOKEN = token;
    await main(['run', ...flags, '--', process.execPath, '-e', '']);
    await main(['check', ...flags]); // the command line through yargs
    await main(['redact', ...flags]);
    const key = Buffer.from(cacheKey());
    for (const [file, script] of scripts) writeFileSync(`${file}.cache`, Buffer.concat([key, script.createCachedData()]));
    process.exit(0); // the store and the client's idle connection would keep us
  });
}

/** Trains in a child process over a throwaway project; returns the reason when no cache could be made. */
function make() {
  const dir = mkdtempSync(join(tmpdir(), 'sinch-entrypoint-cache-'));
  try {
    writeFileSync(join(dir, 'sinch.json'), '{}');
    writeFileSync(join(dir, '.env'), 'BUILD_SECRET=\n');
    const env = { PATH: process.env.PATH, HOME: dir, ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}) };
    const result = spawnSync(process.execPath, [__filename, '--train', dir], { input: `a line with ${value}\n`, env, encoding: 'utf8' });
    if (result.status !== 0) return `training exited ${result.status ?? result.signal}: ${result.stderr.trim().split('\n')[0]}`;
    // Code, never data: a value or token the training saw must not be in them.
    for (const file of ['sinch-entrypoint.cjs', 'undici.cjs', 'yargs.cjs'].map((bundle) => join(dist, `${bundle}.cache`))) {
      const cache = readFileSync(file);
      if (cache.includes(value) || cache.includes(token)) {
        rmSync(file);
        return `${file} held a secret value`;
      }
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--train') {
  train(process.argv[3]);
} else {
  const install = process.argv[2] === '--install';
  // A checkout before its first build (npm ci runs this as postinstall): nothing to cache yet.
  if (install && !existsSync(join(dist, 'sinch-entrypoint.cjs'))) process.exit(0);
  // Installed under the Node that packed it: its caches already match.
  if (install && require(bin).readCache(join(dist, 'sinch-entrypoint.cjs'))) process.exit(0);
  const failure = make();
  if (failure) {
    process.stderr.write(`sinch-entrypoint: no code cache for Node ${process.version} (${failure}); it starts ~40 ms slower\n`);
    process.exitCode = install ? 0 : 1;
  }
}
