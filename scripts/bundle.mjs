#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js) into one ES module, dist/farclaw.mjs, plus the
// chunks it loads on demand (dist/chunks/): every dynamic import() is a split point, so what
// only some runs need (the Telegram channel and grammY, the agent loop and the AI SDK, TLS
// certificate generation, mDNS, QR codes) is neither read nor kept by a gateway that does not
// use it (issue 13: idle RSS). Loading a few files instead of ~400 (TypeBox alone is 266)
// roughly thirds the start-up time of every `farclaw` command and of the gateway.
// better-sqlite3 stays external: it is native.
import { rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { build } from 'esbuild';

/**
 * `node:tls` and better-sqlite3 reach the bundle through require(), not as ES module imports.
 *
 * Node builds an imported built-in's namespace by reading each of its exports once, getters
 * included, and `tls.rootCertificates` is one: importing `node:tls` parses the ~150 bundled root
 * certificates into strings the idle gateway keeps and never reads (0.2 MB of its heap; 0.8 MB of
 * RSS in a bare process). require() hands over the exports object; a getter runs only when code
 * reads it. Other built-ins stay imports: their namespaces cost no more than require(), and
 * esbuild's CommonJS wrapper around each would (1 MB of heap when every built-in went this way).
 *
 * better-sqlite3 is CommonJS: importing it from an ES module makes Node load its CommonJS export
 * lexer (`internal/deps/cjs-module-lexer`), a built-in the gateway would load after it changed
 * V8's flags (infra/heap-tuning.ts), so compiled from source with a fresh code cache kept.
 */
const BY_REQUIRE = /^((node:)?tls|better-sqlite3)$/;
const byRequire = {
  name: 'by-require',
  setup(b) {
    b.onResolve({ filter: BY_REQUIRE }, ({ path, kind, namespace }) => {
      const name = path === 'tls' ? 'node:tls' : path;
      // The stand-in's own require() stays a plain external one.
      return kind === 'require-call' || namespace === 'by-require' ? { path: name, external: true } : { path: name, namespace: 'by-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'by-require' }, ({ path }) => ({ contents: `module.exports = require(${JSON.stringify(path)});`, loader: 'js' }));
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
  external: ['better-sqlite3'],
  plugins: [byRequire],
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
