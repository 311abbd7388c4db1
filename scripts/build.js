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

// yargs' factory guesses a version for --version by listing every directory from the cwd up to a package.json (the
// function's own, in a container): ~10 ms of every start, for a number we set ourselves. Start it with none.
const noVersionGuess = {
  name: 'no-version-guess',
  setup(b) {
    b.onLoad({ filter: /yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const patched = text.replace('yargs.version();', 'yargs.version(false);');
      if (patched === text) throw new Error('yargs-factory.js changed: revisit the no-version-guess plugin');
      return { contents: patched, loader: 'js' };
    });
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
  plugins: [lazyStringWidth, noVersionGuess],
  // yargs would otherwise look for package.json at every start to answer --version.
  define: { SINCH_ENTRYPOINT_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
});
