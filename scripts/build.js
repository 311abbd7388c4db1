// Bundles src/main.ts into dist/ with code splitting, so each command loads only the chunks it uses (cold start).
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

// string-width (yargs lays out its help text with it, on every parse) compiles Unicode-property regexes and an
// Intl.Segmenter when first evaluated: ~50 ms of every start, measured on Node 20. Our help text is printable
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

// Chunk names carry content hashes: clear the old ones rather than let them pile up.
rmSync('dist', { recursive: true, force: true });

// Patches to yargs, each checked to still apply.
// - Its factory guesses a version for --version by listing every directory from the cwd up to a package.json (the
//   function's own, in a container): ~10 ms of every start, for a number we set ourselves. Start it with none.
// - Its platform shim reads process.stdout.columns when imported, and it lays out a command's help text as the
//   command starts, to cache it for a help call we never make (~10 ms). Either makes process.stdout: that opens fd 1
//   as a libuv pipe and sets O_NONBLOCK on a description shared with other processes, and `redact` writes fd 1 with
//   blocking write(2). The width is wanted only to lay out help: read it then, and lay out help only when shown.
const yargsPatches = [
  { file: /yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/, from: 'yargs.version();', to: 'yargs.version(false);' },
  {
    file: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/,
    from: "stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null",
    to: "get stdColumns() { return typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null; }",
  },
  { file: /yargs[\\/]build[\\/]lib[\\/]command\.js$/, from: 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();', to: '' },
];
const patchYargs = {
  name: 'patch-yargs',
  setup(b) {
    for (const { file, from, to } of yargsPatches) {
      b.onLoad({ filter: file }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes(from)) throw new Error(`${args.path} changed: revisit the yargs patches in scripts/build.js`);
        return { contents: text.replace(from, to), loader: 'js' };
      });
    }
  },
};

await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // The keyring binding ships a native addon per platform; it must stay a runtime require.
  external: ['@napi-rs/keyring'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  minify: true,
  logLevel: 'warning',
  plugins: [lazyStringWidth, patchYargs],
  // yargs would otherwise look for package.json at every start to answer --version.
  define: { SINCH_ENTRYPOINT_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
});
