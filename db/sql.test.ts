import { insertColumns, sameColumns } from './sql.js';

describe('insertColumns', () => {
  it('lists the columns and the SQL filling them in the same order', () => {
    expect(insertColumns({ id: 'gen_random_uuid()', name: '$1', ...sameColumns(['a', 'b']), at: 'now()' })).toEqual({
      names: 'id, name, a, b, at',
      values: 'gen_random_uuid(), $1, a, b, now()',
    });
  });
});
