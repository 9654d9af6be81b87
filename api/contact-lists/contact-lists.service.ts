import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { to as copyTo } from 'pg-copy-streams';
import type { Principal } from '../../auth/principal.js';
import { copyInvalidLinesCsv } from '../../db/contact-lists.js';
import { Contact, ContactList } from '../../db/entities/index.js';
import type { Pool } from '../../db/sql.js';
import { ValidationError } from '../../lib/errors.js';
import { assertNotUsedByActiveCampaign } from '../campaigns/campaign-usage.js';
import { keysetPage, newestFirstPage } from '../keyset-cursor.js';
import { changeableBy, ownerFilter, readableBy, type Access } from '../ownership.js';
import type { ContactListPage, ContactListView, ContactPage } from './contact-lists.dto.js';

export const toContactListView = (l: ContactList): ContactListView => ({
  id: l.id,
  name: l.name,
  ownerId: l.owner.id,
  shared: l.departmentId !== null && l.departmentId !== undefined,
  status: l.status,
  defaultCountry: l.defaultCountry ?? null,
  totalRows: l.totalRows,
  imported: l.imported,
  duplicates: l.duplicates,
  invalid: l.invalid,
  createdAt: l.createdAt,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Page cursors are opaque to clients: the last line served, encoded. */
const encodeCursor = (line: number): string => Buffer.from(`line:${line}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^line:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new ValidationError([{ field: 'after', message: 'not a cursor from a previous page' }]);
  return Number(match[1]);
}

/** Passes bytes through until more than `max` went by, then fails. */
function byteCap(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(new Error(`invalid-line download over ${max} bytes`));
      else done(null, chunk);
    },
  });
}

/** Reading and deleting contact lists; importing is ContactImportService. */
export class ContactListsService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
    /** Where invalid-line downloads are spooled (the upload directory). */
    private readonly spoolDir: string,
    /** A download larger than this is refused rather than spooled (a bound on disk use). */
    private readonly maxSpoolBytes: number,
  ) {}

  async list(principal: Principal, limit: number, after?: string): Promise<ContactListPage> {
    return newestFirstPage(this.em, ContactList, ownerFilter(principal), { limit, after }, toContactListView);
  }

  async get(principal: Principal, id: string): Promise<ContactListView> {
    return toContactListView(await this.find(this.em.fork(), principal, id, 'read'));
  }

  /** A page of contacts in file order, after the line encoded in `cursor`. */
  async contacts(principal: Principal, id: string, limit: number, cursor?: string): Promise<ContactPage> {
    const after = cursor === undefined ? 0 : decodeCursor(cursor);
    const em = this.em.fork();
    await this.find(em, principal, id, 'read');
    const rows = await em.find(
      Contact,
      { list: id, line: { $gt: after } },
      { orderBy: { line: 'asc' }, limit: limit + 1, fields: ['line', 'phoneE164', 'name', 'variables'] },
    );
    return keysetPage(
      rows,
      limit,
      (c) => ({ line: c.line, phone: c.phoneE164, name: c.name ?? null, variables: c.variables }),
      (c) => encodeCursor(c.line),
    );
  }

  /**
   * Every invalid line as CSV (`line,raw,reason`; `raw` always quoted and made inert for
   * spreadsheets, see db/contact-lists.ts). COPY pumps them into a spool file at disk
   * speed and the connection goes back to the pool before the first byte is sent, so a client
   * that reads slowly, or not at all, holds a file descriptor, never a connection (F11). The
   * file is unlinked once open: it goes away with the stream, however the download ends.
   */
  async invalidLinesCsv(
    principal: Principal,
    id: string,
  ): Promise<{ list: ContactListView; csv: Readable; bytes: number }> {
    const list = await this.get(principal, id);
    const path = join(this.spoolDir, `invalid-lines-${randomUUID()}.csv`);
    try {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        // COPY takes no parameters; the id is a uuid read back from the database, quoted anyway.
        const copy = client.query(copyTo(copyInvalidLinesCsv(client, list.id)));
        await pipeline(copy, byteCap(this.maxSpoolBytes), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      } catch (err) {
        // A COPY cut off midway leaves the connection mid-protocol: close it instead of reusing it.
        broken = err as Error;
        throw err;
      } finally {
        client.release(broken);
      }
      const file = await open(path, 'r');
      const { size } = await file.stat();
      return { list, csv: file.createReadStream(), bytes: size };
    } finally {
      await rm(path, { force: true });
    }
  }

  /**
   * Deletes the list; its contacts and invalid lines go with it (contact_list's delete
   * trigger). 409 while a running or paused campaign uses it.
   */
  async remove(principal: Principal, id: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const list = await this.find(em, principal, id);
      await assertNotUsedByActiveCampaign(em, 'contactList', list.id, `Contact list ${id}`, principal);
      em.remove(list);
    });
  }

  private async find(
    em: EntityManager,
    principal: Principal,
    id: string,
    access: Access = 'change',
  ): Promise<ContactList> {
    const list = UUID.test(id) ? await em.findOne(ContactList, { id }) : null;
    return (access === 'read' ? readableBy : changeableBy)(principal, list, `Contact list ${id}`);
  }
}
