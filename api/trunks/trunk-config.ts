/**
 * A stored trunk as the telephony engine takes it, the password opened from its sealed
 * form. The one bridge between the `sip_trunk` row and `TrunkConfig` (the worker dials with
 * the same mapping), so the engine never sees the database or the key set.
 */
import { trunkPasswordContext, type SipTrunk } from '../../db/entities/index.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { TrunkConfig } from '../../telephony/call-types.js';

/** Throws `SecretBoxError` when the password cannot be opened with the configured keys. */
export function toTrunkConfig(trunk: SipTrunk, secrets: SecretBox): TrunkConfig {
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
