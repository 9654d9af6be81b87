import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Key material generated on first start and kept in the database so every API replica
 * signs and verifies with the same keys: the token-signing JWK, the cookie keys and the
 * machine-client secret key. Never committed, never returned by the API.
 */
export const AuthKey = defineEntity({
  name: 'AuthKey',
  tableName: 'auth_key',
  properties: {
    id: p.string().length(64).primary(),
    kind: p.string().length(32).index(),
    material: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AuthKey = InferEntity<typeof AuthKey>;
