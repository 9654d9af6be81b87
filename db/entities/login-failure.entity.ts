import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One failed login, keyed by `user:<name>` or `ip:<address>`; read as a sliding window. */
export const LoginFailure = defineEntity({
  name: 'LoginFailure',
  tableName: 'login_failure',
  indexes: [{ properties: ['key', 'failedAt'] }],
  properties: {
    id: p.bigint().primary().autoincrement(),
    key: p.string().length(300),
    failedAt: p.datetime(),
  },
});
export type LoginFailure = InferEntity<typeof LoginFailure>;
