import { chooseFormat } from './format-negotiation.js';

test.each([
  [undefined, 'wav'],
  ['', 'wav'],
  ['*/*', 'wav'],
  ['audio/*', 'wav'],
  ['audio/mpeg', 'mp3'],
  ['audio/mp3', 'mp3'],
  ['audio/wav', 'wav'],
  ['audio/x-wav', 'wav'],
  ['AUDIO/MPEG; Q=1', 'mp3'],
  ['audio/wav;q=0.5, audio/mpeg', 'mp3'],
  ['audio/mpeg;q=0.5, audio/wav', 'wav'],
  ['audio/mpeg, audio/wav', 'wav'], // a tie: the default
  ['audio/*;q=0.2, audio/mpeg;q=0.9', 'mp3'],
  ['audio/*, audio/wav;q=0', 'mp3'], // the specific range refuses WAV
  ['*/*;q=0.1, audio/mpeg;q=0.2', 'mp3'],
  ['application/json, */*;q=0.8', 'wav'],
  ['text/html, application/xhtml+xml, */*', 'wav'],
  ['audio/mpeg;q=nonsense', 'wav'], // the only range unreadable: as if absent
  [',,,;;;', 'wav'],
] as const)('Accept %p → %p', (accept, expected) => {
  expect(chooseFormat(undefined, accept)).toBe(expected);
});

test.each(['application/json', 'text/html', 'audio/ogg', 'audio/*;q=0', '*/*;q=0', 'audio/mpeg;q=0, audio/wav;q=0'])(
  'Accept %p matches neither form: undefined (406)',
  (accept) => {
    expect(chooseFormat(undefined, accept)).toBeUndefined();
  },
);

test('format wins over Accept, even one that refuses it', () => {
  expect(chooseFormat('mp3', 'audio/wav')).toBe('mp3');
  expect(chooseFormat('wav', 'audio/mpeg')).toBe('wav');
  expect(chooseFormat('mp3', 'application/json')).toBe('mp3');
});

test('a header of thousands of ranges is read only in part, quickly', () => {
  const header = `${'text/plain, '.repeat(50_000)}audio/mpeg`;
  const started = performance.now();
  expect(chooseFormat(undefined, header)).toBeUndefined(); // the mpeg range lies past the ones read
  expect(performance.now() - started).toBeLessThan(50);
});
