/**
 * A stored trunk as the telephony engine takes it, the password opened from its sealed
 * form. The one bridge between the `sip_trunk` row and `TrunkConfig` (the API's trunk test
 * and the worker's calls use the same mapping), so the engine never sees the database or
 * the key set. Takes the entity or a plain row mapped to the same field names; the worker
 * reads those rows here too (`ownerTrunkRows`).
 */
import { trunkPasswordContext, type SipTrunk } from './entities/index.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { TrunkConfig } from '../telephony/call-types.js';
import type { Pool } from './sql.js';

/** The fields of a `sip_trunk` row the mapping reads. */
export type TrunkRow = Pick<
  SipTrunk,
  | 'id'
  | 'host'
  | 'port'
  | 'transport'
  | 'username'
  | 'passwordSealed'
  | 'authUsername'
  | 'realm'
  | 'outboundProxyHost'
  | 'outboundProxyPort'
  | 'callerIdNumber'
  | 'callerIdName'
  | 'register'
  | 'registerExpiresSeconds'
  | 'codecs'
>;

/** The `sip_trunk` columns of a {@link TrunkRow}, named as its fields (for raw SQL). */
export const TRUNK_ROW_COLUMNS = `id, host, port, transport, username, password_sealed AS "passwordSealed",
  auth_username AS "authUsername", realm, outbound_proxy_host AS "outboundProxyHost",
  outbound_proxy_port AS "outboundProxyPort", caller_id_number AS "callerIdNumber",
  caller_id_name AS "callerIdName", register, register_expires_seconds AS "registerExpiresSeconds", codecs`;

/** Throws `SecretBoxError` when the password cannot be opened with the configured keys. */
export function toTrunkConfig(trunk: TrunkRow, secrets: SecretBox): TrunkConfig {
  const password = trunk.passwordSealed ? secrets.open(trunk.passwordSealed, trunkPasswordContext(trunk.id)) : null;
  return {
    id: trunk.id,
    host: trunk.host,
    port: trunk.port,
    transport: trunk.transport,
    ...(trunk.username ? { username: trunk.username } : {}),
    ...(password !== null ? { password } : {}),
    ...(trunk.authUsername ? { authUsername: trunk.authUsername } : {}),
    ...(trunk.realm ? { realm: trunk.realm } : {}),
    ...(trunk.outboundProxyHost && trunk.outboundProxyPort
      ? { outboundProxy: { host: trunk.outboundProxyHost, port: trunk.outboundProxyPort } }
      : {}),
    callerId: {
      number: trunk.callerIdNumber,
      ...(trunk.callerIdName ? { displayName: trunk.callerIdName } : {}),
    },
    register: trunk.register,
    registerExpiresSeconds: trunk.registerExpiresSeconds,
    codecs: [...trunk.codecs],
  };
}

/** A trunk row as {@link toTrunkConfig} takes it, with the trunk's limits. */
export type TrunkRowWithLimits = TrunkRow & { maxConcurrentCalls: number; maxCallsPerSecond: number };

/**
 * The trunks of `ids` that exist and belong to `ownerId` (review F21) or are shared with the
 * department `ownerId` belongs to now (issue 25), in no particular order.
 */
export async function ownerTrunkRows(
  pool: Pool,
  ids: readonly string[],
  ownerId: string,
): Promise<TrunkRowWithLimits[]> {
  const { rows } = await pool.query<TrunkRowWithLimits>(
    `SELECT id, host, port, transport, username, password_sealed AS "passwordSealed",
       auth_username AS "authUsername", realm, outbound_proxy_host AS "outboundProxyHost",
       outbound_proxy_port AS "outboundProxyPort", caller_id_number AS "callerIdNumber",
       caller_id_name AS "callerIdName", register, register_expires_seconds AS "registerExpiresSeconds", codecs,
       max_concurrent_calls AS "maxConcurrentCalls", max_calls_per_second AS "maxCallsPerSecond"
     FROM sip_trunk WHERE id = ANY($1::uuid[])
       AND (owner_id = $2 OR department_id = (SELECT u.department_id FROM "user" u WHERE u.id = $2))`,
    [ids, ownerId],
  );
  return rows;
}
