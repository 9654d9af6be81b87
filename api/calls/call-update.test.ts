import { fieldsOf } from '../../test/support/field-errors';
import { MAX_TAG_LENGTH, MAX_TAGS, parseCallUpdate } from './call-update';

describe('parseCallUpdate', () => {
  it('trims and deduplicates tags, keeping the first order', () => {
    expect(parseCallUpdate({ tags: [' vip', 'callback ', 'vip', 'VIP'] })).toEqual({
      tags: ['vip', 'callback', 'VIP'],
    });
  });

  it('keeps only the fields given', () => {
    expect(parseCallUpdate({})).toEqual({});
    expect(parseCallUpdate({ private: false })).toEqual({ private: false });
    expect(parseCallUpdate({ tags: [] })).toEqual({ tags: [] });
  });

  it('counts the tags after deduplication', () => {
    const many = Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`);
    expect(parseCallUpdate({ tags: [...many, ...many] }).tags).toHaveLength(MAX_TAGS);
    expect(fieldsOf(() => parseCallUpdate({ tags: [...many, 'one more'] }))).toEqual(['body.tags']);
  });

  it('names each bad tag', () => {
    expect(fieldsOf(() => parseCallUpdate({ tags: ['ok', '  ', 'x'.repeat(MAX_TAG_LENGTH + 1), 'a\u0007b'] }))).toEqual(
      ['body.tags.1', 'body.tags.2', 'body.tags.3'],
    );
  });
});
