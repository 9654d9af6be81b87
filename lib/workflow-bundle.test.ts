import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleInChild } from './workflow-bundle';

jest.setTimeout(120_000);

const scratch = mkdtempSync(join(tmpdir(), 'bundle-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The child's private directories left in the scratch directory (given as their parent). */
const leftovers = () => readdirSync(scratch).filter((name) => name.startsWith('voicecast-workflows-'));
const inScratch = { parent: scratch };

function script(name: string, body: string): string {
  const file = join(scratch, name);
  writeFileSync(file, body);
  return file;
}

test('the real bundle script: the workflows bundle comes back as code, its directory removed', async () => {
  const real = join(__dirname, '..', 'dist', 'scripts', 'bundle-workflows.js');
  expect(existsSync(real)).toBe(true); // make build (which make test-unit runs first) made it
  const code = await bundleInChild(real, inScratch);
  expect(code.startsWith('var __TEMPORAL__;')).toBe(true);
  expect(code).toContain('runCampaign');
  expect(leftovers()).toEqual([]);
});

test('a child that fails: the error carries what it said, and nothing is left behind', async () => {
  const failing = script('fail.js', "process.stderr.write('cannot resolve ./workflows/index\\n'); process.exit(3);");
  await expect(bundleInChild(failing, inScratch)).rejects.toThrow(
    /bundling the workflows failed .*cannot resolve \.\/workflows\/index/s,
  );
  expect(leftovers()).toEqual([]);
});

test('a child that exits 0 without writing the bundle is an error, not an empty bundle', async () => {
  await expect(bundleInChild(script('silent.js', 'process.exit(0);'), inScratch)).rejects.toThrow(/ENOENT/);
});

test('a child that hangs is stopped after the timeout', async () => {
  const hanging = script('hang.js', 'setInterval(() => {}, 1000);');
  await expect(bundleInChild(hanging, { timeoutMs: 500, parent: scratch })).rejects.toThrow(
    /bundling the workflows failed/,
  );
});
