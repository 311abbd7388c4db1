// Bundles src/main.ts, undici and yargs into three CommonJS files in dist/, and makes V8's code cache for each (cold start).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const BUNDLES = ['dist/sinch-entrypoint.cjs', 'dist/undici.cjs', 'dist/yargs.cjs'];

// string-width (yargs lays out its help text with it, on every parse) compiles Unicode-property regexes and an
// Intl.Segmenter when first evaluated: ~50 ms of every start that parses with yargs, measured on Node 20. Our help text is printable
// ASCII, whose width is its length, so a stub answers that and loads the real module (esbuild wraps a require()d
// ES module in a lazy initializer) only for other text.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) =>
      args.pluginData?.real ? undefined : { path: args.importer, namespace: 'lazy-string-width', pluginData: { resolveDir: args.resolveDir } });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let width;
export default (text, options) => /^[\\x20-\\x7e]*$/.test(text) ? text.length : (width ??= require('string-width').default)(text, options);`,
      resolveDir: args.pluginData.resolveDir,
      pluginData: { real: true },
    }));
  },
};

// Node built-in modules that a dependency loads when evaluated but needs only on paths we never take: each is
// loaded at its first use instead. Measured cold on Node 20: node:crypto 5 ms (dotenv decrypts its "vault" files
// with it), node:assert 3.7 ms (yargs checks its invariants with it on every parse: the checks are made here, and
// the module is loaded only to throw).
const lazy = (module, name) => `export const ${name} = (...args) => (real ??= require('${module}')).${name}(...args);`;
const lazyBuiltins = [
  { importer: /dotenv[\\/]lib[\\/]main\.js$/, module: 'crypto', contents: lazy('crypto', 'createDecipheriv') },
  {
    importer: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/,
    module: 'assert',
    contents: `export const strictEqual = (a, b, m) => { if (!Object.is(a, b)) (real ??= require('assert')).strictEqual(a, b, m); };
export const notStrictEqual = (a, b, m) => { if (Object.is(a, b)) (real ??= require('assert')).notStrictEqual(a, b, m); };`,
  },
];
const lazyBuiltin = {
  name: 'lazy-builtin',
  setup(b) {
    for (const [index, { importer, module }] of lazyBuiltins.entries()) {
      b.onResolve({ filter: new RegExp(`^${module}$`) }, (args) => {
        if (!importer.test(args.importer)) return undefined;
        applied.add(lazyBuiltins[index]);
        return { path: module, namespace: 'lazy-builtin', pluginData: index };
      });
    }
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, ({ pluginData }) => ({ contents: `let real;\n${lazyBuiltins[pluginData].contents}`, loader: 'js' }));
  },
};

// Patches to dependencies, each checked to still apply.
// - yargs' factory guesses a version for --version by listing every directory from the cwd up to a package.json (the
//   function's own, in a container): ~10 ms of every parse, for a number we set ourselves. Start it with none.
// - Its platform shim reads process.stdout.columns when imported, and it lays out a command's help text as the
//   command starts, to cache it for a help call we never make (~10 ms). Either makes process.stdout: that opens fd 1
//   as a libuv pipe and sets O_NONBLOCK on a description shared with other processes, and `redact` writes fd 1 with
//   blocking write(2). The width is wanted only to lay out help: read it then, and lay out help only when shown.
// - undici's cookie helpers (which we never call) read globalThis.Headers when loaded, and that loads Node's own
//   copy of undici: ~25 ms of every start that reads a platform store. Read it at their first call instead.
const patches = [
  { file: /yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/, from: 'yargs.version();', to: 'yargs.version(false);' },
  {
    file: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/,
    from: "stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null",
    to: "get stdColumns() { return typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null; }",
  },
  { file: /yargs[\\/]build[\\/]lib[\\/]command\.js$/, from: 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();', to: '' },
  {
    file: /undici[\\/]lib[\\/]web[\\/]cookies[\\/]index\.js$/,
    from: 'const brandChecks = webidl.brandCheckMultiple([Headers, globalThis.Headers].filter(Boolean))',
    to: 'let brandCheck; const brandChecks = (V) => (brandCheck ??= webidl.brandCheckMultiple([Headers, globalThis.Headers].filter(Boolean)))(V)',
  },
];
const patchDependencies = {
  name: 'patch-dependencies',
  setup(b) {
    for (const patch of patches) {
      b.onLoad({ filter: patch.file }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes(patch.from)) throw new Error(`${args.path} changed: revisit the patches in scripts/build.js`);
        applied.add(patch);
        return { contents: text.replace(patch.from, patch.to), loader: 'js' };
      });
    }
  },
};

/** The lazy built-ins and patches that some bundle applied: one that none did means its dependency changed. */
const applied = new Set();

// CommonJS, not ES modules: Node 20 can give a code cache only to a vm.Script (bin/sinch-entrypoint.cjs says why it
// matters). Each `await import()` in our sources becomes a lazy initialiser, so a command still evaluates only the
// modules it uses, and the cache makes parsing the rest nearly free. A dependency that a start needs only now and
// then is a bundle of its own with a cache of its own, which the bin hands to `require()`: undici (a third of our
// code) reads a platform store, yargs parses a command line out of the plain form (src/command-line.ts).
rmSync('dist', { recursive: true, force: true });
const common = { bundle: true, format: 'cjs', platform: 'node', target: 'node20.19', legalComments: 'none', minify: true, logLevel: 'warning' };
await build({ ...common, entryPoints: ['undici'], outfile: 'dist/undici.cjs', plugins: [patchDependencies] });
await build({
  ...common,
  entryPoints: ['yargs'],
  outfile: 'dist/yargs.cjs',
  // Its ES module build calls createRequire(import.meta.url), which CommonJS spells with __filename.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // module.exports is the factory itself, as require('yargs') gives it: the main bundle imports it as Node imports
  // CommonJS from an ES module, where the default export is module.exports.
  footer: { js: 'module.exports = module.exports.default;' },
  plugins: [lazyStringWidth, lazyBuiltin, patchDependencies],
});
await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/sinch-entrypoint.cjs',
  // The keyring and pseudo-terminal bindings ship a native addon per platform: runtime requires, as are the two bundles above.
  external: ['@lydell/node-pty', '@napi-rs/keyring', 'undici', 'yargs'],
  // import() of them becomes require(): a vm.Script has no module loader for import() to call.
  supported: { 'dynamic-import': false },
  define: { SINCH_ENTRYPOINT_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  plugins: [lazyBuiltin, patchDependencies],
});
const stale = [...lazyBuiltins, ...patches].filter((change) => !applied.has(change));
if (stale.length > 0) throw new Error(`no longer applied: ${stale.map((c) => c.module ?? c.from).join('; ')}: revisit scripts/build.js`);
// The bin evaluates the bundles as vm.Scripts, where a dynamic import() throws (it has no module loader to call).
for (const file of BUNDLES) {
  if (/\bimport\(/.test(readFileSync(file, 'utf8'))) throw new Error(`${file} calls import(): make it a require`);
}
// V8's code cache for this Node (scripts/code-cache.cjs, which the package's postinstall runs again under the
// installing Node).
const cache = spawnSync(process.execPath, ['scripts/code-cache.cjs'], { stdio: 'inherit' });
if (cache.status !== 0) process.exit(1);
