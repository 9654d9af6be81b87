/**
 * Prints one plain closing line, "tests: N passed, N failed, N skipped", as the very last
 * output of the run (at process exit, after jest's own summary), so tools that read the
 * closing line of a run (CI) see the counts.
 */
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
module.exports = SummaryReporter;
