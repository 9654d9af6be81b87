import { parseInfoDtmf } from './info-dtmf.js';

describe('parseInfoDtmf', () => {
  test.each([
    ['application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n', '5'],
    ['application/dtmf-relay; charset=utf-8', 'signal = #\r\nDuration=100', '#'],
    ['Application/DTMF-Relay', 'Signal=*\r\n', '*'],
    ['application/dtmf-relay', 'Signal=10\r\n', '*'],
    ['application/dtmf-relay', 'Signal=11\r\n', '#'],
    ['application/dtmf-relay', 'Signal=a\r\n', 'A'],
    ['application/dtmf', '7', '7'],
    ['application/dtmf', ' 0 \r\n', '0'],
  ])('%s %j → %s', (type, body, digit) => {
    expect(parseInfoDtmf(type, body)).toBe(digit);
  });

  test.each([
    ['application/dtmf-relay', 'Duration=160\r\n'],
    ['application/dtmf-relay', 'Signal=12\r\n'],
    ['application/dtmf-relay', 'Signal=55\r\n'],
    ['application/dtmf', 'E'],
    ['application/dtmf', ''],
    ['application/media_control+xml', '<media_control/>'],
    ['', 'Signal=5'],
  ])('not a digit: %s %j', (type, body) => {
    expect(parseInfoDtmf(type, body)).toBeUndefined();
  });
});
