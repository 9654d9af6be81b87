/**
 * The workflow bundle a worker runs, made in a child process.
 *
 * `bundleWorkflowCode` runs webpack. In the worker's own process, webpack's modules, their
 * sources and compiled code stayed in the main heap for as long as the worker ran: about
 * 40 MB of an idle worker's 254 MB RSS (`make run`, measured with and without a bundle made
 * beforehand). The child (`dist/scripts/bundle-workflows.js`) writes the bundle to a private
 * temporary directory; the worker reads the code and removes the directory, and webpack is
 * never loaded here. WORKFLOW_BUNDLE_PATH still skips bundling altogether.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long bundling may take (it takes a few seconds; a stuck child must not hang the start). */
const BUNDLE_TIMEOUT_MS = 120_000;

/**
 * Runs `script <output file>` with this Node and returns the bundle's code; rejects with the
 * child's error output. The file goes to a new directory in `parent`, removed either way.
 */
export async function bundleInChild(
  script: string,
  { timeoutMs = BUNDLE_TIMEOUT_MS, parent = tmpdir() }: { timeoutMs?: number; parent?: string } = {},
): Promise<string> {
  const dir = await mkdtemp(join(parent, 'voicecast-workflows-'));
  try {
    const out = join(dir, 'workflows.js');
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [script, out],
        { timeout: timeoutMs, maxBuffer: 1024 * 1024 },
        (error, _stdout, stderr) => {
          if (!error) return resolve();
          const said = String(stderr).trim().split('\n').slice(-20).join('\n');
          reject(
            new Error(`bundling the workflows failed (${error.message.split('\n')[0]})${said ? `: ${said}` : ''}`),
          );
        },
      );
    });
    return await readFile(out, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
