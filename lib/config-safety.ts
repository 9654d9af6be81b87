/**
 * Deployment rules of lib/config.ts (F30), checked on the raw variables so that they are
 * reported with the field errors:
 *
 * - The development secrets of `.env.example` (or their defaults, when unset) are refused in
 *   production and, whatever NODE_ENV says, whenever the API listens beyond loopback: a copy of
 *   `.env.example` on a server without `NODE_ENV=production` is no longer accepted silently.
 *   The development encryption key is refused in any position of ENCRYPTION_KEYS.
 * - In production, weak passwords are refused (the database URL's, MinIO's, the first
 *   administrator's): shorter than 12 characters, the user name, or a well-known default such
 *   as `voicecast`.
 * - In production, PUBLIC_URL must be `https://` (TLS terminated by a reverse proxy in front of
 *   the API, with TRUST_PROXY=true), except for a loopback host, which browsers treat as secure
 *   and which nothing outside the machine reaches.
 */

/** Development defaults for secrets (`.env.example`); never accepted where the API is reachable. */
export const DEV_SECRETS = {
  MINIO_SECRET_KEY: 'voicecast-dev-secret',
  DATABASE_URL: 'postgres://voicecast:voicecast@127.0.0.1:5432/voicecast',
  ENCRYPTION_KEYS: 'dev1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=',
} as const;

const DEV_KEY = Buffer.from(DEV_SECRETS.ENCRYPTION_KEYS.split(':')[1], 'base64');

/** Passwords any scanner tries first (compared case-insensitively). */
const WELL_KNOWN = new Set([
  'voicecast',
  'voicecast-dev-secret',
  'postgres',
  'password',
  'changeme',
  'secret',
  'admin',
  'minioadmin',
  'letmein',
  '123456789012',
]);

export const MIN_PRODUCTION_PASSWORD = 12;

/** 127.0.0.0/8, ::1 and `localhost`: the hosts only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** Why `password` is weak (for user `user`), or undefined when it is not. */
export function weakness(password: string, user?: string): string | undefined {
  const lower = password.toLowerCase();
  if (WELL_KNOWN.has(lower)) return 'is a well-known default';
  if (user && lower === user.toLowerCase()) return 'equals the user name';
  if (/^(.)\1*$/.test(password)) return 'repeats one character';
  if (password.length < MIN_PRODUCTION_PASSWORD) return `is shorter than ${MIN_PRODUCTION_PASSWORD} characters`;
  return undefined;
}

function holdsDevKey(keys: string): boolean {
  return keys.split(',').some((entry) => {
    const material = entry.trim().split(':')[1];
    return material !== undefined && Buffer.from(material, 'base64').equals(DEV_KEY);
  });
}

function url(value: string | undefined): URL | undefined {
  try {
    return value ? new URL(value) : undefined;
  } catch {
    return undefined; // the field check reports it
  }
}

export function deploymentIssues(raw: Readonly<Record<string, string>>): string[] {
  const issues: string[] = [];
  const production = raw.NODE_ENV === 'production';
  const apiHost = raw.API_HOST ?? '127.0.0.1';
  if (production || !isLoopbackHost(apiHost)) {
    const where = production ? 'in production' : `when the API listens beyond loopback (API_HOST=${apiHost})`;
    for (const [name, value] of Object.entries(DEV_SECRETS)) {
      if (raw[name] === undefined || raw[name] === value) issues.push(`${name}: must be set explicitly ${where}`);
    }
    if (raw.ENCRYPTION_KEYS !== undefined && raw.ENCRYPTION_KEYS !== DEV_SECRETS.ENCRYPTION_KEYS) {
      if (holdsDevKey(raw.ENCRYPTION_KEYS))
        issues.push(`ENCRYPTION_KEYS: holds the development key; remove it ${where}`);
    }
  }
  if (!production) return issues;

  const db = url(raw.DATABASE_URL);
  if (db?.password) {
    const why = weakness(decodeURIComponent(db.password), decodeURIComponent(db.username));
    if (why) issues.push(`DATABASE_URL: the password ${why}; use a long random one in production`);
  }
  if (raw.MINIO_SECRET_KEY && raw.MINIO_SECRET_KEY !== DEV_SECRETS.MINIO_SECRET_KEY) {
    const why = weakness(raw.MINIO_SECRET_KEY, raw.MINIO_ACCESS_KEY ?? 'voicecast');
    if (why) issues.push(`MINIO_SECRET_KEY: ${why}; use a long random one in production`);
  }
  if (raw.ADMIN_PASSWORD && raw.ADMIN_PASSWORD.length >= MIN_PRODUCTION_PASSWORD) {
    const why = weakness(raw.ADMIN_PASSWORD, raw.ADMIN_USERNAME);
    if (why) issues.push(`ADMIN_PASSWORD: ${why}`);
  }
  const publicUrl = url(raw.PUBLIC_URL ?? 'http://localhost:3000');
  if (publicUrl?.protocol === 'http:' && !isLoopbackHost(publicUrl.hostname)) {
    issues.push(
      'PUBLIC_URL: must be https:// in production (terminate TLS in a reverse proxy in front of the API and set ' +
        'TRUST_PROXY=true); http:// is accepted for a loopback host only',
    );
  }
  return issues;
}
