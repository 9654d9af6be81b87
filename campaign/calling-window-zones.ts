/**
 * A calling window read on the callee's clock (`timezoneFrom: 'number'`). A number's prefix
 * can name several zones (+61 4… is a mobile anywhere in Australia; +1 800 anywhere in
 * NANP), so the rule is conservative: such a number is called only while the window is open
 * in every one of its zones. Zones that are never open together (a 09:00–18:00 window
 * across Russia's eleven hours) say nothing usable about the callee: the number is then
 * treated like one whose zone cannot be told, on the campaign's own `timezone`.
 *
 * Pure (only `Intl`), like calling-window.ts.
 */
import { nextOpening, type CallingWindow } from './calling-window.js';

/** Joins the zones of one number into one key, as in Google's data: `Europe/Guernsey&Europe/London`. */
export const ZONE_SEPARATOR = '&';

const DAY_MS = 86_400_000;
/** Every valid window opens each week; a week and a day covers DST moving an opening. */
const SEARCH_MS = 8 * DAY_MS;

/**
 * The first instant at or after `at` at which the window is open in every one of `zones`
 * (`at` itself when it is open in all of them now), or undefined when they share no open
 * time within eight days.
 */
export function commonOpening(window: CallingWindow, zones: readonly string[], at: Date): Date | undefined {
  const limit = at.getTime() + SEARCH_MS;
  let t = at;
  // Each zone's next opening is a lower bound for the common one: raise t until it is open everywhere.
  for (;;) {
    let moved = false;
    for (const timezone of zones) {
      const opens = nextOpening({ ...window, timezone }, t);
      if (opens.getTime() > t.getTime()) {
        t = opens;
        moved = true;
      }
    }
    if (!moved) return t;
    if (t.getTime() > limit) return undefined;
  }
}

/**
 * When a number with these zones may be called, at or after `at` (`at` itself when now):
 * open in all its zones, or on the window's own `timezone` when it has none or they never
 * share an open time.
 */
export function zonesOpening(window: CallingWindow, zones: readonly string[], at: Date): Date {
  return (zones.length > 0 ? commonOpening(window, zones, at) : undefined) ?? nextOpening(window, at);
}

/** How long a zone set found to share no open time is taken as such (DST may change it). */
const DISJOINT_FOR_MS = 3_600_000;

/**
 * {@link zonesOpening} for a process that asks again and again (every claim): a zone set
 * whose zones share no open time costs an eight-day search (milliseconds for the NANP-wide
 * set of +1 800), so that finding is remembered for an hour per window and set.
 */
export class ZoneOpenings {
  private readonly disjoint = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  /** `zones` as one key ({@link ZONE_SEPARATOR}), as stored per contact. */
  opening(window: CallingWindow, zones: string, at: Date): Date {
    const key = `${JSON.stringify(window)}\n${zones}`;
    if ((this.disjoint.get(key) ?? 0) > at.getTime()) return nextOpening(window, at);
    const common = commonOpening(window, zones.split(ZONE_SEPARATOR), at);
    if (common) return common;
    if (this.disjoint.size >= this.maxEntries) this.disjoint.clear();
    this.disjoint.set(key, at.getTime() + DISJOINT_FOR_MS);
    return nextOpening(window, at);
  }
}
