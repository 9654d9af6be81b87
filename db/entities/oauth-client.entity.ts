import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ROLES, User } from './user.entity.js';

/**
 * A machine client (OAuth `client_credentials`) created by an admin. It acts for `owner`
 * with `role`. The secret is not stored: it is derived from a server key and
 * `secretVersion` (see auth/client-secrets.ts), and rotating bumps the version.
 */
export const OAuthClient = defineEntity({
  name: 'OAuthClient',
  tableName: 'oauth_client',
  properties: {
    id: p.string().length(64).primary(),
    name: p.string().length(200),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    role: p.enum(ROLES).default('user'),
    secretVersion: p.integer().default(1),
    disabled: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type OAuthClient = InferEntity<typeof OAuthClient>;
