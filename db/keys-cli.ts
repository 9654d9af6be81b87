/**
 * Key maintenance (docs/operations.md, "Rotating keys"), with the API's environment:
 *
 *   node dist/db/keys-cli.js status               values per ENCRYPTION_KEYS key id
 *   node dist/db/keys-cli.js reseal               re-seal every sealed value with the first key
 *   node dist/db/keys-cli.js rotate-signing-key   a new ES256 key signs from the APIs' next start
 *   node dist/db/keys-cli.js retire-signing-keys  drop all but the newest signing key
 *
 * (`make keys-status`, `make reseal-keys`, `make rotate-signing-key`,
 * `make retire-signing-keys`). Prints one JSON document; exits 1 on failure, and 2 after a
 * reseal that left values no configured key opens.
 */
import { retireSigningKeys, rotateSigningKey } from '../auth/keys.js';
import { loadConfig } from '../lib/config.js';
import { SecretBox } from '../lib/secret-box.js';
import { createOrm, withoutTimeouts } from './orm.js';
import { keyUsage, resealAll } from './sealed-values.js';
import { nativePool } from './sql.js';

const COMMANDS = ['status', 'reseal', 'rotate-signing-key', 'retire-signing-keys'] as const;
type Command = (typeof COMMANDS)[number];

async function main(): Promise<number> {
  const command = process.argv[2] as Command | undefined;
  if (!command || !COMMANDS.includes(command)) {
    process.stderr.write(`usage: keys-cli ${COMMANDS.join('|')}\n`);
    return 1;
  }
  const config = loadConfig();
  const secrets = new SecretBox(config.encryptionKeys);
  const currentKey = config.encryptionKeys[0].id;
  const orm = await createOrm({ ...withoutTimeouts(config.database), poolMax: 2 });
  try {
    const pool = await nativePool(orm);
    let output: unknown;
    let code = 0;
    switch (command) {
      case 'status':
        output = { currentKey, columns: await keyUsage(pool, secrets) };
        break;
      case 'reseal': {
        const columns = await resealAll(pool, secrets);
        if (columns.some((c) => c.failed.length > 0)) code = 2;
        output = { currentKey, columns, after: await keyUsage(pool, secrets) };
        break;
      }
      case 'rotate-signing-key':
        output = { newSigningKey: await rotateSigningKey(pool, secrets), next: 'restart every API' };
        break;
      case 'retire-signing-keys':
        output = { retired: await retireSigningKeys(pool, config.auth.accessTokenTtlSeconds) };
        break;
    }
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return code;
  } finally {
    await orm.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`keys-cli failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
