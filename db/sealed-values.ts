/**
 * Every value sealed with ENCRYPTION_KEYS, in one place: SIP trunk passwords, webhook
 * signing secrets and the API's auth keys. Key rotation (F19) re-seals all of them with the
 * current (first) key, so the old key can be dropped without breaking anything; `keyUsage`
 * tells when nothing uses a key any more. Used by `make reseal-keys` / `make keys-status`
 * (db/keys-cli.ts).
 */
import { authKeyContext } from '../auth/keys.js';
import { KEY_LOCK_ID } from './auth-keys.js';
import { SecretBoxError, type SecretBox } from '../lib/secret-box.js';
import { trunkPasswordContext } from './entities/sip-trunk.entity.js';
import { webhookSecretContext } from './entities/webhook.entity.js';
import { inTransaction, type Pool } from './sql.js';

interface SealedColumn {
  readonly table: string;
  readonly column: string;
  /** The GCM associated data of the row's value. */
  readonly context: (id: string) => string;
  /** Taken for each batch, so the API cannot create or re-read keys meanwhile. */
  readonly advisoryLock?: number;
}

/** Add a column here when anything new is sealed with ENCRYPTION_KEYS. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'sip_trunk', column: 'password_sealed', context: trunkPasswordContext },
  { table: 'webhook', column: 'secret_sealed', context: webhookSecretContext },
  { table: 'auth_key', column: 'material', context: authKeyContext, advisoryLock: KEY_LOCK_ID },
];

const BATCH = 500;

export interface ResealReport {
  readonly table: string;
  readonly column: string;
  /** Values already sealed with the current key. */
  readonly current: number;
  readonly resealed: number;
  /** Values that cannot be opened with any configured key: left as they are. */
  readonly failed: readonly { readonly id: string; readonly error: string }[];
}

/**
 * Seals every value not sealed with the current key again with it (auth_key rows still in
 * plaintext included). Works in batches, each one transaction with its rows locked, so a
 * concurrent update of a trunk or webhook is never lost. A value no configured key opens is
 * left as it is and reported.
 */
export async function resealAll(pool: Pool, secrets: SecretBox): Promise<ResealReport[]> {
  const reports: ResealReport[] = [];
  for (const sealed of SEALED_COLUMNS) reports.push(await resealColumn(pool, secrets, sealed));
  return reports;
}

async function resealColumn(pool: Pool, secrets: SecretBox, sealed: SealedColumn): Promise<ResealReport> {
  const { table, column } = sealed;
  let current = 0;
  let resealed = 0;
  const failed: { id: string; error: string }[] = [];
  const isCurrent = (value: string): boolean => {
    try {
      return secrets.isCurrent(value);
    } catch {
      return false; // malformed: open() below reports it
    }
  };
  let after: string | undefined;
  for (;;) {
    const batch = await inTransaction(pool, async (client) => {
      if (sealed.advisoryLock !== undefined)
        await client.query('SELECT pg_advisory_xact_lock($1)', [sealed.advisoryLock]);
      const { rows } = await client.query<{ id: string; value: string }>(
        `SELECT id::text AS id, "${column}" AS value FROM "${table}"
         WHERE "${column}" IS NOT NULL ${after === undefined ? '' : 'AND id > $1'} ORDER BY id LIMIT ${BATCH} FOR UPDATE`,
        after === undefined ? [] : [after],
      );
      for (const { id, value } of rows) {
        const plaintext = table === 'auth_key' && !value.startsWith('v1.');
        if (!plaintext && isCurrent(value)) {
          current++;
          continue;
        }
        try {
          const opened = plaintext ? value : secrets.open(value, sealed.context(id));
          await client.query(`UPDATE "${table}" SET "${column}" = $2 WHERE id = $1`, [
            id,
            secrets.seal(opened, sealed.context(id)),
          ]);
          resealed++;
        } catch (err) {
          if (!(err instanceof SecretBoxError)) throw err;
          failed.push({ id, error: err.message });
        }
      }
      return rows;
    });
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1].id;
  }
  return { table, column, current, resealed, failed };
}

export interface KeyUsage {
  readonly table: string;
  readonly column: string;
  /** Values per key id; `plaintext` for auth_key rows of older versions, `unreadable` for malformed values. */
  readonly byKey: Readonly<Record<string, number>>;
}

/** How many values each key id seals, per column: a key can go once no column counts it. */
export async function keyUsage(pool: Pool, secrets: SecretBox): Promise<KeyUsage[]> {
  const usage: KeyUsage[] = [];
  for (const { table, column } of SEALED_COLUMNS) {
    const { rows } = await pool.query<{ value: string }>(
      `SELECT "${column}" AS value FROM "${table}" WHERE "${column}" IS NOT NULL`,
    );
    const byKey: Record<string, number> = {};
    for (const { value } of rows) {
      const kid = keyIdOrLabel(secrets, value, table);
      byKey[kid] = (byKey[kid] ?? 0) + 1;
    }
    usage.push({ table, column, byKey });
  }
  return usage;
}

function keyIdOrLabel(secrets: SecretBox, value: string, table: string): string {
  if (table === 'auth_key' && !value.startsWith('v1.')) return 'plaintext';
  try {
    return secrets.keyIdOf(value);
  } catch {
    return 'unreadable';
  }
}
