import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * A team of users inside one installation (issue 25): its members (`user.department_id`)
 * see what the others share with it, and its limits bind every member's campaigns. A null
 * limit is not set (owner and installation limits still apply).
 */
export const Department = defineEntity({
  name: 'Department',
  tableName: 'department',
  // Names are unique regardless of case (migration 20261208002000).
  indexes: [
    {
      name: 'department_name_lower_unique',
      expression: 'create unique index "department_name_lower_unique" on "department" (lower("name"))',
    },
  ],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    name: p.string().length(200).unique(),
    /** Simultaneous calls of all members' campaigns together. */
    maxConcurrentCalls: p.integer().nullable(),
    /** Calls placed by all members' campaigns together per calendar day (UTC). */
    maxCallsPerDay: p.integer().nullable(),
    /** At most this many calls to one number per window, across every member's campaigns. */
    frequencyCapMaxCalls: p.integer().nullable(),
    frequencyCapWindowSeconds: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Department = InferEntity<typeof Department>;

/** A user who manages a department besides the installation's administrators (one may manage several). */
export const DepartmentManager = defineEntity({
  name: 'DepartmentManager',
  tableName: 'department_manager',
  properties: {
    department: () => p.manyToOne(Department).primary().deleteRule('cascade'),
    user: () => p.manyToOne(User).primary().deleteRule('cascade'),
  },
});
export type DepartmentManager = InferEntity<typeof DepartmentManager>;
