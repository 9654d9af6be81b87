import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * oidc-provider's storage (grants, refresh tokens, …), one row per model instance.
 * Written by auth/oidc-adapter.ts with plain SQL (db/oidc-payload.ts); declared here so the
 * schema and the migrations stay in one place.
 */
export const OidcPayload = defineEntity({
  name: 'OidcPayload',
  tableName: 'oidc_payload',
  properties: {
    model: p.string().length(64).primary(),
    id: p.string().length(255).primary(),
    payload: p.json<Record<string, unknown>>(),
    grantId: p.string().length(255).nullable().index(),
    userCode: p.string().length(255).nullable(),
    uid: p.string().length(255).nullable(),
    accountId: p.string().length(255).nullable().index(),
    expiresAt: p.datetime().nullable().index(),
    consumedAt: p.datetime().nullable(),
  },
});
export type OidcPayload = InferEntity<typeof OidcPayload>;
