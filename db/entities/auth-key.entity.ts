import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Key material generated on first start and kept in the database so every API replica
 * signs and verifies with the same keys: the token-signing JWK, the cookie keys and the
 * machine-client secret key. Sealed at rest; never committed, never returned by the API.
 */
export const AuthKey = defineEntity({
  name: 'AuthKey',
  tableName: 'auth_key',
  properties: {
    id: p.string().length(64).primary(),
    kind: p.string().length(32).index(),
    /** The JSON of the key, sealed with the SecretBox for `auth_key:<id>:material` (auth/keys.ts). */
    material: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AuthKey = InferEntity<typeof AuthKey>;
