import { isWithinWindow, type CallingWindow } from './calling-window';
import { commonOpening, ZoneOpenings, zonesOpening } from './calling-window-zones';

const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const window: CallingWindow = {
  days: [...everyDay],
  from: '09:00',
  to: '20:00',
  timezone: 'UTC',
  timezoneFrom: 'number',
};
const at = (iso: string) => new Date(iso);

describe('calling window on the callee clock', () => {
  // 2026-12-01 14:00 UTC: 09:00 in New York (EST, UTC-5), 06:00 in Los Angeles (PST, UTC-8).
  const now = at('2026-12-01T14:00:00Z');

  it('is open now in New York and opens three hours later in Los Angeles', () => {
    expect(zonesOpening(window, ['America/New_York'], now)).toEqual(now);
    expect(zonesOpening(window, ['America/Los_Angeles'], now)).toEqual(at('2026-12-01T17:00:00Z'));
  });

  it('a closed zone opens on its next listed local day', () => {
    const weekdays: CallingWindow = { ...window, days: ['mon', 'tue', 'wed', 'thu', 'fri'] };
    // Friday 2026-12-04 21:00 in Berlin (20:00 UTC): closed; Monday 09:00 Berlin = 08:00 UTC.
    expect(zonesOpening(weekdays, ['Europe/Berlin'], at('2026-12-04T20:00:00Z'))).toEqual(at('2026-12-07T08:00:00Z'));
  });

  it('several zones: open only while it is open in every one of them', () => {
    const zones = ['America/New_York', 'America/Los_Angeles'];
    // Both 09:00–20:00: from 17:00 UTC (09:00 LA) until 01:00 UTC (20:00 NY).
    expect(zonesOpening(window, zones, now)).toEqual(at('2026-12-01T17:00:00Z'));
    expect(zonesOpening(window, zones, at('2026-12-01T20:00:00Z'))).toEqual(at('2026-12-01T20:00:00Z'));
    expect(zonesOpening(window, zones, at('2026-12-02T01:00:00Z'))).toEqual(at('2026-12-02T17:00:00Z'));
    for (const t of ['2026-12-01T17:00:00Z', '2026-12-02T00:59:59Z']) {
      for (const timezone of zones) expect(isWithinWindow({ ...window, timezone }, at(t))).toBe(true);
    }
  });

  it('an overnight window across zones', () => {
    const night: CallingWindow = { ...window, from: '22:00', to: '02:00' };
    // Berlin 22:00–02:00 = 21:00–01:00 UTC; London 22:00–02:00 = 22:00–02:00 UTC: both from 22:00 UTC.
    expect(zonesOpening(night, ['Europe/Berlin', 'Europe/London'], now)).toEqual(at('2026-12-01T22:00:00Z'));
  });

  it('zones that are never open together fall back to the window timezone', () => {
    const short: CallingWindow = { ...window, from: '09:00', to: '10:00', timezone: 'Europe/Berlin' };
    const apart = ['Europe/Moscow', 'Asia/Vladivostok']; // seven hours apart, one-hour windows
    expect(commonOpening(short, apart, now)).toBeUndefined();
    // 14:00 UTC is 15:00 in Berlin: the next 09:00 Berlin is 08:00 UTC tomorrow.
    expect(zonesOpening(short, apart, now)).toEqual(at('2026-12-02T08:00:00Z'));
  });

  it('no zone at all: the window timezone', () => {
    expect(zonesOpening({ ...window, timezone: 'America/Los_Angeles' }, [], now)).toEqual(at('2026-12-01T17:00:00Z'));
  });

  it('daylight saving: on the spring-forward day the zones keep their own offsets', () => {
    // 2027-03-14: New York moves to EDT (UTC-4) at 02:00; Los Angeles at 02:00 PDT (UTC-7).
    const zones = ['America/New_York', 'America/Los_Angeles'];
    expect(zonesOpening(window, zones, at('2027-03-14T12:00:00Z'))).toEqual(at('2027-03-14T16:00:00Z'));
  });

  it('ZoneOpenings answers as zonesOpening does, asked again and again', () => {
    const short: CallingWindow = { ...window, from: '09:00', to: '10:00', timezone: 'Europe/Berlin' };
    const openings = new ZoneOpenings(1);
    for (const zones of ['Europe/Moscow&Asia/Vladivostok', 'America/New_York&America/Los_Angeles', 'Europe/Berlin']) {
      for (let minutes = 0; minutes < 48 * 60; minutes += 37) {
        const t = new Date(now.getTime() + minutes * 60_000);
        for (const w of [window, short]) {
          expect(openings.opening(w, zones, t)).toEqual(zonesOpening(w, zones.split('&'), t));
        }
      }
    }
  });
});
