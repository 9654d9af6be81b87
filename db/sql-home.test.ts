/**
 * The data-access rule (db/README.md): SQL lives in db/. This fails when a statement shows up
 * in a source file elsewhere, unless the file is on the list below of files not moved yet,
 * and when a listed file has no SQL any more (then take it off the list).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const repo = resolve(__dirname, '..');

/** Where SQL may not be written: every source folder but db/ and test/ (tests seed with SQL). */
const ROOTS = ['api', 'activities', 'workflows', 'auth', 'lib', 'telephony', 'agent', 'campaign', 'contacts', 'audio'];

/** Files whose SQL has not moved to db/ yet, each with the reason (db/README.md, "Not moved yet"). */
export const NOT_MOVED_YET: Readonly<Record<string, string>> = {};

const withoutComments = (code: string): string => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** A statement in code (comments are dropped first): the shapes of SELECT … FROM, INSERT, UPDATE … SET, DELETE and locks. */
const SHAPES =
  /\b(select\s+[\s\S]{1,400}?\bfrom\s+["a-z_]|insert\s+into\s+["a-z_]|update\s+"?[a-z_]+"?\s+set\s|delete\s+from\s+["a-z_]|pg_advisory\w*\(|for\s+(update|share)\b)/i;
/** …and a string that starts with SELECT in capitals (`'SELECT 1'`). */
const SELECT_LITERAL = /['"`]\s*SELECT\s/;

export const hasStatement = (code: string): boolean => {
  const bare = withoutComments(code);
  return SHAPES.test(bare) || SELECT_LITERAL.test(bare);
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function filesWithSql(): string[] {
  return ROOTS.flatMap((root) => sources(join(repo, root)))
    .filter((path) => hasStatement(readFileSync(path, 'utf8')))
    .map((path) => relative(repo, path));
}

describe('SQL lives in db/', () => {
  const found = filesWithSql();

  it('no statement outside db/ but in the files not moved yet', () => {
    expect(found.filter((file) => !(file in NOT_MOVED_YET))).toEqual([]);
  });

  it('every file not moved yet still has SQL (else take it off the list)', () => {
    expect(Object.keys(NOT_MOVED_YET).filter((file) => !found.includes(file))).toEqual([]);
  });

  it('recognises the statements it is meant to refuse, not prose', () => {
    const sql = [
      "pool.query('SELECT 1')",
      'q(`select id, name from campaign where id = $1`)',
      "q('INSERT INTO blocklist (id) VALUES ($1)')",
      'q(`UPDATE call_lease SET expires_at = now()`)',
      "q('DELETE FROM oidc_payload WHERE id = $1')",
      "q('SELECT pg_advisory_xact_lock($1)')",
    ];
    for (const code of sql) expect([code, hasStatement(code)]).toEqual([code, true]);
    const prose = [
      '// select the rows from the table, then update them',
      '/* INSERT INTO x VALUES (1) */',
      "throw new Error('Select a trunk first.');",
    ];
    for (const code of prose) expect([code, hasStatement(code)]).toEqual([code, false]);
  });
});
