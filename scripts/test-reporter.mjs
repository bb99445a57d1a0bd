// node:test reporter that counts tests (not files, not suites) and writes one JSON summary line
// when the run ends. scripts/run-tests.mjs points its destination at a temp file and prints the
// final `N passed, N failed` line from it.
//
// Counting rules (checked against Node 20's event stream):
// - a test that passes counts as passed unless it is marked skip or todo;
// - a test that fails counts as failed (including tests cancelled because a hook or their parent
//   failed) unless it is marked todo;
// - a failure whose only cause is a failing subtest (`subtestsFailed`) is not counted again;
// - a suite is never counted, except when it failed by itself (e.g. an `after` hook threw) and
//   none of its tests was counted as failed, so a broken hook can never hide behind "0 failed";
// - a file that fails outside any test (load error, non-zero exit) is reported by Node as a test
//   named after the file, and counts as one failure.

/**
 * @param {AsyncIterable<{type: string, data: any}>} source
 * @returns {AsyncGenerator<string>}
 */
export default async function* farclawSummary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let todo = 0;
  /** @type {{file: string, path: string[]}[]} */
  const failures = [];
  // failuresBelow[n] = failures counted among completed tests at nesting >= n since the last
  // completion at nesting n - 1 (events arrive children first, then their parent). Files run one
  // at a time and each ends with a nesting-0 event, so one stack serves the whole run.
  /** @type {number[]} */
  const failuresBelow = [];
  // Names of the tests being run, by nesting (test:start arrives parent first).
  /** @type {string[]} */
  const runningNames = [];
  // data.file is where test() was called, which may be a shared helper; the file being run is the
  // one node:test dequeued last as a top-level entry named after itself.
  /** @type {string | undefined} */
  let currentFile;

  for await (const event of source) {
    const data = event.data;
    if (event.type === 'test:dequeue' && data.nesting === 0 && data.name === data.file) {
      currentFile = data.file;
      continue;
    }
    if (event.type === 'test:start') {
      runningNames.length = data.nesting;
      runningNames[data.nesting] = String(data.name);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;

    const level = typeof data.nesting === 'number' ? data.nesting : 0;
    const descendantFailures = failuresBelow[level + 1] ?? 0;
    failuresBelow.length = level + 1;

    const isSuite = data.details?.type === 'suite';
    const isSkip = data.skip !== undefined && data.skip !== false;
    const isTodo = data.todo !== undefined && data.todo !== false;
    let countedFailures = 0;

    if (event.type === 'test:pass') {
      if (isSuite) {
        // suites are containers, not tests
      } else if (isSkip) {
        skipped += 1;
      } else if (isTodo) {
        todo += 1;
      } else {
        passed += 1;
      }
    } else if (isTodo) {
      todo += 1;
    } else {
      const failureType = data.details?.error?.failureType;
      const isOwnFailure = failureType !== 'subtestsFailed' && !(isSuite && descendantFailures > 0);
      if (isOwnFailure) {
        countedFailures = 1;
        failed += 1;
        const file = typeof data.file === 'string' && data.name === data.file ? data.file : (currentFile ?? data.file ?? '');
        const path = data.name === data.file ? [] : [...runningNames.slice(0, level), String(data.name)];
        failures.push({ file, path });
      }
    }
    failuresBelow[level] = (failuresBelow[level] ?? 0) + descendantFailures + countedFailures;
  }

  yield `${JSON.stringify({ passed, failed, skipped, todo, failures })}\n`;
}
