import { isTimeZone } from '../campaign/calling-window';
import { knownTimeZones, PHONE_TIME_ZONES_SOURCE, phoneTimeZoneKey, phoneTimeZones } from './phone-time-zones';

describe('phone number → time zones (Google libphonenumber data)', () => {
  it.each([
    ['+12127365000', ['America/New_York']], // Manhattan
    ['+14157360000', ['America/Los_Angeles']], // San Francisco
    ['+13125550100', ['America/Chicago']],
    ['+442079460958', ['Europe/London']],
    ['+74951234567', ['Europe/Moscow']],
    ['+4930123456', ['Europe/Berlin']],
    ['+33142685300', ['Europe/Paris']],
    ['+61298765432', ['Australia/Sydney']], // a Sydney landline
    ['+34922123456', ['Atlantic/Canary']], // Tenerife, not Madrid
    ['+77172123456', ['Asia/Almaty']], // Astana, Kazakhstan shares +7 with Russia
  ])('%s is in %p', (phone, zones) => {
    expect(phoneTimeZones(phone)).toEqual(zones);
  });

  it('a geographic prefix spanning zones gives them all', () => {
    expect(phoneTimeZones('+61892345678')).toEqual(['Australia/Adelaide', 'Australia/Perth']);
  });

  it('a mobile where mobiles are not geographic gets every zone of its country, not its prefix entry', () => {
    // The data maps the prefix 614 to Sydney, but an Australian mobile can be anywhere.
    expect(phoneTimeZones('+61412345678')).toEqual([
      'Australia/Adelaide',
      'Australia/Brisbane',
      'Australia/Eucla',
      'Australia/Lord_Howe',
      'Australia/Perth',
      'Australia/Sydney',
      'Indian/Christmas',
      'Indian/Cocos',
    ]);
    // Likewise 79 (Moscow in the data) for a Russian mobile: every zone of +7.
    const russianMobile = phoneTimeZones('+79161234567');
    expect(russianMobile).toEqual(expect.arrayContaining(['Europe/Moscow', 'Asia/Vladivostok', 'Asia/Kamchatka']));
    expect(russianMobile.length).toBeGreaterThan(10);
    // And a Spanish mobile may be on the Canaries.
    expect(phoneTimeZones('+34612345678')).toEqual(['Atlantic/Canary', 'Europe/Madrid']);
  });

  it('a NANP toll-free number can be anywhere in NANP; an NANP landline is where its area code is', () => {
    const tollFree = phoneTimeZones('+18005551234');
    expect(tollFree).toEqual(expect.arrayContaining(['America/New_York', 'Pacific/Honolulu', 'America/Halifax']));
    expect(phoneTimeZones('+12125550100')).toEqual(['America/New_York']);
  });

  it('a number whose zone cannot be told has none', () => {
    expect(phoneTimeZoneKey('+80012345678')).toBeUndefined(); // international freephone
    expect(phoneTimeZones('+80012345678')).toEqual([]);
  });

  it('the key joins the zones with & in sorted order', () => {
    expect(phoneTimeZoneKey('+34612345678')).toBe('Atlantic/Canary&Europe/Madrid');
  });

  it('every zone of the data is known to this runtime, and the data names its source', () => {
    const zones = knownTimeZones();
    expect(zones.length).toBeGreaterThan(200);
    expect(zones.filter((z) => !isTimeZone(z))).toEqual([]);
    expect(PHONE_TIME_ZONES_SOURCE).toMatch(/geocoder:\d+\.\d+ \(libphonenumber \d+\.\d+\.\d+\)/);
  });
});
