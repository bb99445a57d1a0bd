#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js) into one ES module, dist/farclaw.mjs, plus the
// chunks it loads on demand (dist/chunks/): every dynamic import() is a split point, so what
// only some runs need (the Telegram channel and grammY, the agent loop and the AI SDK, TLS
// certificate generation, mDNS, QR codes) is neither read nor kept by a gateway that does not
// use it (issue 13: idle RSS). Loading a few files instead of ~400 (TypeBox alone is 266)
// roughly thirds the start-up time of every `farclaw` command and of the gateway.
// better-sqlite3's JavaScript is bundled too; only its native addon loads from node_modules.
import { rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { build } from 'esbuild';

/**
 * `node:tls` reaches the bundle through require(), not as an ES module import. Node builds an
 * imported built-in's namespace by reading each of its exports once, getters included, and
 * `tls.rootCertificates` is one: importing `node:tls` parses the ~150 bundled root certificates
 * into strings the idle gateway keeps and never reads (0.2 MB of its heap; 0.8 MB of RSS in a
 * bare process). require() hands over the exports object; a getter runs only when code reads it.
 * Other built-ins stay imports: their namespaces cost no more than require(), and esbuild's
 * CommonJS wrapper around each would (1 MB of heap when every built-in went this way).
 */
const tlsByRequire = {
  name: 'tls-by-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?tls$/ }, ({ kind, namespace }) =>
      // The stand-in's own require() stays a plain external one.
      kind === 'require-call' || namespace === 'builtin' ? { path: 'node:tls', external: true } : { path: 'tls', namespace: 'builtin' });
    b.onLoad({ filter: /^tls$/, namespace: 'builtin' }, () => ({ contents: "module.exports = require('node:tls');", loader: 'js' }));
  },
};

/**
 * better-sqlite3 is bundled, and its addon is required by its path in the package. Loaded from
 * node_modules, its CommonJS files and the search of `bindings` for the addon (one failed
 * require() per place it looks first), made node's path normalisation hot during the gateway's
 * start-up; TurboFan optimized it, and the 3.4 MB of node's machine code that TurboFan runs then
 * stayed resident in an idle gateway (issue 13: idle RSS; the footprint test checks that an idle
 * gateway optimizes nothing). `bindings` looks in build/ and build/Debug/ before build/Release/,
 * where npm installs the addon; without a build/Release/ addon it runs as before.
 */
const SQLITE_ADDON_LOADER = `
module.exports = (name) => {
  try {
    return require('better-sqlite3/build/Release/better_sqlite3.node');
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err;
    const pkg = require.resolve('better-sqlite3/package.json');
    return require('node:module').createRequire(pkg)('bindings')({ bindings: name, module_root: require('node:path').dirname(pkg) });
  }
};
`;
const sqliteAddon = {
  name: 'sqlite-addon',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'sqlite-addon' }));
    b.onResolve({ filter: /\.node$/, namespace: 'sqlite-addon' }, ({ path }) => ({ path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'sqlite-addon' }, () => ({ contents: SQLITE_ADDON_LOADER, loader: 'js' }));
  },
};

// Chunk names carry a content hash: drop the previous build's so none goes stale.
rmSync('dist/chunks', { recursive: true, force: true });

const { metafile } = await build({
  entryPoints: ['dist/src/cli/main.js'],
  outdir: 'dist',
  entryNames: 'farclaw',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [tlsByRequire, sqliteAddon],
  // Without comments the bundle is ASCII: V8 keeps a module's source text for its lifetime, and
  // one non-ASCII character in a dependency's doc comment stores all of it two bytes a character
  // (10.6 MB of the idle gateway's heap, against 2.5 MB now). Identifiers stay readable.
  minifyWhitespace: true,
  charset: 'ascii',
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __farclawCreateRequire } from 'node:module'; const require = __farclawCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});

// Which modules each output file holds (dist/bundle-contents.json, not shipped): the footprint
// test checks with it that an idle gateway reads none of the code only other commands need.
const contents = {};
for (const [out, { inputs }] of Object.entries(metafile.outputs)) contents[relative('dist', out)] = Object.keys(inputs).sort();
writeFileSync('dist/bundle-contents.json', `${JSON.stringify(contents, null, 1)}\n`);
