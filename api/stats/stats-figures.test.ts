import { KNOWN_OUTCOMES } from '../../campaign/outcomes';
import { attemptsFigures, digitFigures, outcomeFigures, ratio } from './stats-figures';

describe('outcomeFigures', () => {
  it('lists every known outcome, zeros included, for an empty journal; ratios are 0, not NaN', () => {
    const figures = outcomeFigures([]);
    expect(figures).toEqual({
      attempts: 0,
      outcomes: Object.fromEntries(KNOWN_OUTCOMES.map((o) => [o, 0])),
      seizures: 0,
      answered: 0,
      answerSeizureRatio: 0,
    });
  });

  it('adds outcomes it does not know after the known ones, and divides answers by seizures', () => {
    const figures = outcomeFigures([
      { outcome: 'zeta', attempts: 1, seizures: 0 },
      { outcome: 'busy', attempts: 3, seizures: 3 },
      { outcome: 'answered', attempts: 6, seizures: 6 },
      { outcome: 'cancelled', attempts: 4, seizures: 1 },
      { outcome: 'constructor', attempts: 2, seizures: 2 },
    ]);
    expect(Object.keys(figures.outcomes)).toEqual([...KNOWN_OUTCOMES, 'constructor', 'zeta']);
    expect(figures.outcomes).toMatchObject({ answered: 6, busy: 3, cancelled: 4, constructor: 2, zeta: 1, failed: 0 });
    expect(figures).toMatchObject({ attempts: 16, seizures: 12, answered: 6, answerSeizureRatio: 0.5 });
  });
});

describe('attemptsFigures', () => {
  it('fills the gaps from 1 to the most attempts and averages over contacts', () => {
    expect(
      attemptsFigures(
        new Map([
          [4, 1],
          [1, 3],
        ]),
      ),
    ).toEqual({
      contacts: 4,
      average: 7 / 4,
      distribution: [
        { attempts: 1, contacts: 3 },
        { attempts: 2, contacts: 0 },
        { attempts: 3, contacts: 0 },
        { attempts: 4, contacts: 1 },
      ],
    });
  });

  it('is all zeros without contacts', () => {
    expect(attemptsFigures(new Map())).toEqual({ contacts: 0, average: 0, distribution: [] });
  });
});

describe('digitFigures', () => {
  it('orders like a keypad: 0–9, *, #, A–D, then anything else', () => {
    const counts = ['x', '#', 'B', '9', '*', '0', '10', '1'].map((digit) => ({
      digit,
      presses: 1,
      calls: 1,
      firstPressed: 0,
    }));
    expect(digitFigures(counts).map((d) => d.digit)).toEqual(['0', '1', '9', '*', '#', 'B', '10', 'x']);
  });
});

it('ratio is 0 over nothing', () => {
  expect([ratio(0, 0), ratio(3, 0), ratio(1, 4)]).toEqual([0, 0, 0.25]);
});
