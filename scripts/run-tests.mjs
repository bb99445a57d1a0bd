#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js and the colocated dist/src/**/*.test.js)
// with node:test, one file at a time, because e2e files spawn gateways and CLIs.
//
//   node scripts/run-tests.mjs                 # all tests
//   node scripts/run-tests.mjs conformance cli # only files whose source path contains a filter
//
// Human output is node:test's spec reporter on stdout. scripts/test-reporter.mjs counts the
// tests into a temp file; the last line printed is always `N passed, N failed`, preceded by
// `N skipped` (skip + todo). Exit status is non-zero when a test failed, when no test ran, or
// when node:test itself failed.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(REPO_ROOT, 'dist');
const TEST_ROOTS = ['test', 'src'];
const REPORTER = pathToFileURL(join(REPO_ROOT, 'scripts', 'test-reporter.mjs')).href;

/** Recursively lists `*.test.js` under `dir` (sorted, so runs are repeatable). */
function findTestFiles(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(full);
  }
  return found;
}

/** `dist/test/x/y.test.js` → `test/x/y.test.ts` (repo-relative, forward slashes). */
function sourceOf(compiled) {
  return relative(DIST, compiled).split(sep).join('/').replace(/\.js$/, '.ts');
}

function printSummary({ passed, failed, skipped }) {
  process.stdout.write(`${skipped} skipped\n${passed} passed, ${failed} failed\n`);
}

async function main() {
  const filters = process.argv.slice(2).filter((a) => a.length > 0);
  const files = [];
  for (const root of TEST_ROOTS) {
    for (const compiled of findTestFiles(join(DIST, root))) {
      const source = sourceOf(compiled);
      // tsc never deletes outputs, so a test whose source is gone would otherwise still run.
      if (!existsSync(join(REPO_ROOT, source))) {
        process.stdout.write(`ignoring ${relative(REPO_ROOT, compiled)}: its source ${source} no longer exists\n`);
        continue;
      }
      if (filters.length > 0 && !filters.some((f) => source.includes(f))) continue;
      files.push(compiled);
    }
  }

  if (files.length === 0) {
    const why = filters.length > 0 ? ` matching ${filters.map((f) => JSON.stringify(f)).join(', ')}` : '';
    process.stdout.write(`no test files found${why} under dist/ (did tsc run?)\n`);
    printSummary({ passed: 0, failed: 0, skipped: 0 });
    return 1;
  }
  process.stdout.write(`running ${files.length} test file(s):\n${files.map((f) => `  ${sourceOf(f)}\n`).join('')}`);

  const summaryDir = mkdtempSync(join(tmpdir(), 'farclaw-test-summary-'));
  const summaryPath = join(summaryDir, 'summary.jsonl');
  try {
    const args = [
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${REPORTER}`,
      `--test-reporter-destination=${summaryPath}`,
      ...files,
    ];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const [code, signal] = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve([c, s]));
    });
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);

    let summary;
    try {
      const lines = readFileSync(summaryPath, 'utf8').trim().split('\n');
      summary = JSON.parse(lines[lines.length - 1] ?? '');
    } catch {
      summary = undefined;
    }
    if (!summary) {
      process.stdout.write(`node --test ended (${signal ?? `exit ${code}`}) without a summary\n`);
      printSummary({ passed: 0, failed: 0, skipped: 0 });
      return 1;
    }

    const skipped = summary.skipped + summary.todo;
    if (summary.failures.length > 0) {
      process.stdout.write('\nfailed tests:\n');
      for (const f of summary.failures) {
        // A file that broke outside any test has an empty path.
        const where = f.file ? relative(REPO_ROOT, f.file) : '(unknown file)';
        process.stdout.write(`  ${where}${f.path.length > 0 ? `: ${f.path.join(' > ')}` : ''}\n`);
      }
    }
    const isRunBroken = code !== 0 && summary.failed === 0;
    if (isRunBroken) process.stdout.write(`node --test exited with ${signal ?? code} although no test failed\n`);
    if (summary.passed + summary.failed === 0) process.stdout.write('no test ran\n');
    printSummary({ passed: summary.passed, failed: summary.failed, skipped });
    return summary.failed > 0 || isRunBroken || summary.passed + summary.failed === 0 ? 1 : 0;
  } finally {
    rmSync(summaryDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
