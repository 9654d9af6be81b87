/**
 * F30: the API runs as the least-privileged role of deploy/postgres/app-role.sql (what
 * Compose's `db-roles` job creates), not as the database owner. On a database of its own,
 * migrated by the owner (`node dist/db/migrate.js`), the role is created by the same SQL
 * file Compose runs; a second API then serves as that role with MIGRATE_ON_START=false, and
 * the role itself is shown unable to change the schema, truncate, or reach files and programs.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { repoRoot } from '../../scripts/services';
import { login } from '../support/api';
import { uploadContacts } from '../support/contact-lists';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';

const run = promisify(execFile);

describe('the application database role (F30)', () => {
  const stack = readStack();
  const suffix = randomUUID().slice(0, 8);
  const database = `vc_app_role_${suffix}`;
  const appUser = `vc_app_${suffix}`;
  const appPassword = randomBytes(18).toString('hex');
  const ownerUrl = Object.assign(new URL(stack.databaseUrl), { pathname: `/${database}` }).toString();
  const appUrl = Object.assign(new URL(ownerUrl), { username: appUser, password: appPassword }).toString();
  let server: Client;
  let app: Client;
  let api: ExtraApi;

  beforeAll(async () => {
    server = new Client({ connectionString: stack.databaseUrl });
    await server.connect();
    await server.query(`CREATE DATABASE ${database}`);
    await run(process.execPath, [join(repoRoot(), 'dist', 'db', 'migrate.js')], {
      env: { ...stack.env, DATABASE_URL: ownerUrl, LOG_LEVEL: 'warn' },
    });
    const owner = new Client({ connectionString: ownerUrl });
    await owner.connect();
    try {
      // What app-role.sh passes through PGOPTIONS.
      await owner.query(
        `SELECT set_config('voicecast.app_user', $1, false), set_config('voicecast.app_password', $2, false)`,
        [appUser, appPassword],
      );
      const sql = readFileSync(join(repoRoot(), 'deploy', 'postgres', 'app-role.sql'), 'utf8');
      await owner.query(sql);
      await owner.query(sql); // idempotent: Compose runs it on every `up`
    } finally {
      await owner.end();
    }
    app = new Client({ connectionString: appUrl });
    await app.connect();
    api = await startExtraApi({ DATABASE_URL: appUrl, MIGRATE_ON_START: 'false' });
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await app?.end();
    await server?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await server?.query(`DROP ROLE IF EXISTS ${appUser}`);
    await server?.end();
  });

  it('is no superuser and may not create databases or roles', async () => {
    const { rows } = await app.query<Record<string, boolean>>(
      `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows).toEqual([
      { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
    ]);
  });

  it('serves the API: bootstrap admin, login, a contact import (COPY) and a blocklist import (temporary table)', async () => {
    const { access_token: token } = await login(stack.admin.username, stack.admin.password, api.url);
    const me = await fetch(`${api.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    const list = await uploadContacts(
      token,
      'phone\n+49 30 1234567\n+49 30 7654321\nnope\n',
      { name: 'role' },
      {
        baseUrl: api.url,
      },
    );
    expect(list.status).toBe(201);
    expect(await list.json()).toMatchObject({ imported: 2, invalid: 1 });
    const blocked = await uploadContacts(
      token,
      'phone\n+49 30 1234567\n',
      {},
      {
        baseUrl: api.url,
        path: '/api/v1/blocklist/upload',
        fileName: 'blocklist.csv',
      },
    );
    expect(blocked.status).toBeLessThan(300);
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('cannot change the schema, truncate, or reach server files and programs', async () => {
    const refused: [string, RegExp][] = [
      ['CREATE TABLE x (id int)', /permission denied for schema public/],
      ['ALTER TABLE call_record ADD COLUMN x int', /must be owner of table call_record/],
      ['CREATE INDEX x ON call_record (id)', /must be owner of table call_record/],
      ['DROP TABLE call_record', /must be owner of table call_record/],
      ['TRUNCATE call_record', /permission denied for table call_record/],
      [`COPY call_record TO PROGRAM 'id'`, /permission denied|pg_execute_server_program/],
      [`COPY call_record FROM '/etc/passwd'`, /permission denied|pg_read_server_files/],
      [`SELECT pg_read_file('/etc/passwd')`, /permission denied for function pg_read_file/],
      [`CREATE ROLE x_${suffix}`, /permission denied to create role/],
    ];
    for (const [sql, error] of refused) {
      await expect(app.query(sql).then(() => 'accepted')).rejects.toThrow(error);
    }
  });
});
