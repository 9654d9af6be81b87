/**
 * Bundles the workflows (dist/workflows) into one file, as the worker does at every start:
 * `node dist/scripts/bundle-workflows.js <file>`, then WORKFLOW_BUNDLE_PATH=<file> for the
 * workers that should load it instead. The tests' extra workers share one per test run
 * (test/support/extra-worker.ts). The bundle is of the dist/ it was made from: make it again
 * after every build.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node dist/scripts/bundle-workflows.js <output file>');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows/index'),
    logger: new DefaultLogger('WARN'),
  });
  // Written whole or not at all: a worker never loads half a bundle.
  writeFileSync(`${out}.tmp`, code);
  renameSync(`${out}.tmp`, out);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundle-workflows: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
