import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Department } from './department.entity.js';

export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

/** A person who logs in with username and password. `username` is stored lower-case. */
export const User = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    username: p.string().length(64).unique(),
    displayName: p.string().length(200).nullable(),
    role: p.enum(ROLES).default('user'),
    /** argon2id PHC string; never serialised. */
    passwordHash: p.text().hidden().lazy(),
    disabled: p.boolean().default(false),
    /** The one department the user belongs to (issue 25); null: none. */
    department: () => p.manyToOne(Department).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type User = InferEntity<typeof User>;
