/**
 * Rule `calling-window` (order 30, stage claim): no contact is claimed while its calling
 * window is closed. With the campaign's own time zone the workflow waits for the opening
 * before it claims at all ({@link windowClosedUntil}, pure, called from
 * workflows/campaign.workflow.ts); with the callee's (`timezoneFrom: number`) the claim hands
 * out only contacts whose own window is open (db/campaign-contacts.ts, calling-window-zones.ts).
 * Nothing is journalled: a contact outside its window is simply not due.
 */
import { isWithinWindow, nextOpening, type CallingWindow } from '../calling-window.js';

/** When the campaign's window (on the campaign's clock) opens next, or undefined while it is open (or the callee's clock decides). */
export function windowClosedUntil(window: CallingWindow | null | undefined, now: Date): Date | undefined {
  if (!window || window.timezoneFrom === 'number') return undefined;
  return isWithinWindow(window, now) ? undefined : nextOpening(window, now);
}
