/**
 * F11: no client can hold the API's database pool. Downloads that never read keep no
 * connection (the invalid lines are spooled to a file first), and PostgreSQL's timeouts end
 * whatever still runs too long.
 */
import { connect, type Socket } from 'node:net';
import { createOrm, withoutTimeouts, type Orm } from '../../db/orm';
import { nativePool } from '../../db/sql';
import { parseConfig } from '../../lib/config';
import { apiUrl, call } from '../support/api';
import { imported, userToken, withDatabase } from '../support/contact-lists';
import { readStack } from '../support/stack';

/** Opens a raw GET of `path` and never reads a byte of the answer. */
function pausedDownload(path: string, token: string): Promise<Socket> {
  const { hostname, port } = new URL(apiUrl());
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.pause();
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n\r\n`);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

describe('the database pool under slow clients (F11)', () => {
  it('answers GET /api/v1/me within 2 s while 10 downloads of a large invalid-lines CSV are never read', async () => {
    const { token } = await userToken();
    // ~8 MB of invalid lines: more than the kernel buffers of the socket pair can hold.
    const junk = 'x'.repeat(60);
    const csv = `phone\n+49 30 1111111\n${Array.from({ length: 120_000 }, (_, i) => `${junk}${i}`).join('\n')}\n`;
    const report = await imported(token, csv);
    expect(report).toMatchObject({ imported: 1, invalid: 120_000 });
    const path = `/api/v1/contact-lists/${report.id}/invalid`;

    const sockets = await Promise.all(Array.from({ length: 10 }, () => pausedDownload(path, token)));
    try {
      // Let every download get as far as it can: the pool had 10 connections.
      await new Promise((r) => setTimeout(r, 1500));
      const started = Date.now();
      const me = await call('GET', '/api/v1/me', { token });
      expect(me.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      // And no connection of the API is busy on those downloads.
      const busy = await withDatabase(async (db) => {
        const { rows } = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE query ILIKE 'COPY (SELECT line, %contact_invalid_line%' AND state <> 'idle'`,
        );
        return Number(rows[0]?.n);
      });
      expect(busy).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
    }

    // The spooled download is still whole for a client that reads it.
    const download = await call('GET', path, { token });
    expect(download.status).toBe(200);
    const text = await download.text();
    expect(Number(download.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(120_001);
    expect(lines[1]).toBe(`3,"${junk}0",not-a-number`);
    expect(lines.at(-1)).toBe(`120002,"${junk}119999",not-a-number`);
  });

  it('gives pooled connections the statement and idle-transaction timeouts, and migrations none', async () => {
    const database = { ...parseConfig({ VOICECAST_ENV_FILE: 'none' }).database, url: readStack().databaseUrl };
    expect(database).toMatchObject({ connectTimeoutMs: 10_000, statementTimeoutMs: 60_000 });
    const show = async (orm: Orm) => {
      const pool = await nativePool(orm);
      const { rows } = await pool.query<{ s: string; i: string }>(
        `SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i`,
      );
      return rows[0];
    };
    const orm = await createOrm(database);
    const migrations = await createOrm(withoutTimeouts(database));
    const short = await createOrm({ ...database, statementTimeoutMs: 300 });
    try {
      expect(await show(orm)).toEqual({ s: '1min', i: '1min' });
      expect(await show(migrations)).toEqual({ s: '0', i: '0' });
      const pool = await nativePool(short);
      await expect(pool.query('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
    } finally {
      await Promise.all([orm.close(), migrations.close(), short.close()]);
    }
  });
});
