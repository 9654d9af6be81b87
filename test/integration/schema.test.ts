/**
 * The committed migrations produce exactly the schema the entities describe (checked by
 * db/check-schema.js against the test database, out of process: MikroORM is ESM-only).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../scripts/services';
import { readStack } from '../support/stack';

const run = promisify(execFile);

it('migrations and entities agree', async () => {
  const { stdout } = await run(process.execPath, [join(repoRoot(), 'dist', 'db', 'check-schema.js')], {
    env: { ...readStack().env, LOG_LEVEL: 'warn' },
  });
  expect(stdout).toContain('schema matches the entities');
});
