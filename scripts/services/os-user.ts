/**
 * PostgreSQL refuses to run as root. When we are root, its processes run as the `postgres`
 * OS user (created as a system user when missing) and the data directory is chowned to it.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function lookup(name: string): OsUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * The user PostgreSQL must run as: `undefined` when we are not root (run as ourselves),
 * else the `postgres` OS user, created with `useradd --system` if it does not exist.
 */
export function postgresOsUser(name = 'postgres'): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookup(name);
  if (existing) return existing;
  const made = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
    {
      encoding: 'utf8',
    },
  );
  const created = lookup(name);
  if (!created) {
    throw new Error(
      `PostgreSQL cannot run as root and there is no "${name}" OS user; \`useradd --system ${name}\` failed: ` +
        `${made.error?.message ?? made.stderr.trim()}. Create the user, or run as a non-root user.`,
    );
  }
  return created;
}

/** `chown -R` without following symlinks. */
export function chownRecursive(path: string, user: OsUser): void {
  const stat = lstatSync(path);
  chownSync(path, user.uid, user.gid);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) chownRecursive(join(path, entry), user);
  }
}

function canAccess(path: string, test: string, user: OsUser): boolean {
  const result = spawnSync('/bin/sh', ['-c', `test ${test} "$1"`, 'sh', path], { uid: user.uid, gid: user.gid });
  return result.status === 0;
}

/**
 * Throws a clear message when `user` cannot reach and write `dir` (typically because an
 * ancestor such as /root is not traversable by others).
 */
export function assertUserCanUse(dir: string, user: OsUser): void {
  if (canAccess(dir, '-w', user) && canAccess(dir, '-x', user)) return;
  let blocked = dir;
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    if (!canAccess(d, '-x', user)) blocked = d;
  }
  throw new Error(
    `PostgreSQL runs as the "${user.name}" OS user (we are root), which cannot use ${dir}` +
      (blocked !== dir ? `: ${blocked} is not traversable for it (try \`chmod o+x ${blocked}\`)` : '') +
      '. Move the data directory (VOICECAST_DATA_DIR) somewhere it can reach, or run as a non-root user.',
  );
}
