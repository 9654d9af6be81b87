/**
 * The worker's call slots (WORKER_MAX_CALLS), shared fairly between owners (review F13).
 *
 * Temporal hands a worker activity tasks in queue order, whoever they belong to: without a
 * rule, one tenant's campaigns fill every slot and another tenant's first call waits until
 * one of them ends. So a call attempt takes a slot here before it may dial, and is refused one
 * (it goes back to its contact, which is tried again shortly without losing an attempt: see
 * {@link THROTTLED}) when taking it would be unfair:
 *
 *   share    = ceil(slots / active owners)        active: holding slots, refused lately, or asking
 *   under    = max(1, share − headroom)
 *   admitted ⇐ a slot is free and held < under     (an owner well under its share, or holding none,
 *                                                   may take even the last free slots)
 *            ∨ more than `headroom` slots are free and no other owner refused lately holds
 *              fewer than the asker               (work-conserving: spare slots are used)
 *
 * The `headroom` slots stay free for an owner that arrives while another fills the worker, so
 * its first call goes out at once instead of after the running ones end; once it holds slots
 * the others are refused new ones (while it waits) until the shares even out as calls end.
 * An owner alone on the worker gets `slots − headroom` at most.
 *
 * Pure bookkeeping (the clock is injected), kept per worker process: a worker knows only its
 * own calls. Several workers each share their own slots the same way.
 *
 * [THROTTLED]: ../campaign/campaign-types.ts
 */

export interface CallSlotOptions {
  /** Calls the worker carries at once (WORKER_MAX_CALLS). */
  readonly slots: number;
  /** False: every attempt is admitted, as before fair share (the SDK's activity slots are the only bound). */
  readonly fairShare: boolean;
  /** Slots kept free for owners holding fewer than their share (WORKER_FAIR_SHARE_HEADROOM). */
  readonly headroom: number;
  /** How soon a refused attempt is tried again (WORKER_FAIR_SHARE_RETRY_SECONDS), ±25 % jitter. */
  readonly retryMs: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export type SlotAdmission =
  | { readonly kind: 'admitted'; readonly release: () => void }
  | {
      readonly kind: 'refused';
      /** When the attempt may be tried again. */
      readonly retryAt: Date;
      /** Slots the owner held and its fair share at the refusal, for the log. */
      readonly held: number;
      readonly share: number;
    };

export interface CallSlotUse {
  readonly used: number;
  readonly byOwner: Readonly<Record<string, number>>;
  /** Owners refused a slot lately, still counted as wanting one. */
  readonly waiting: readonly string[];
}

export class WorkerCallSlots {
  private readonly held = new Map<string, number>();
  /** Owners refused lately, until when they count as waiting for a slot. */
  private readonly waiting = new Map<string, number>();
  private used = 0;
  private readonly now: () => number;
  private readonly random: () => number;
  /** A refused owner comes back within about one retry; it counts as waiting a little longer than that. */
  private readonly waitingMs: number;

  constructor(private readonly options: CallSlotOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) throw new RangeError('slots must be a positive integer');
    if (!Number.isInteger(options.headroom) || options.headroom < 0 || options.headroom >= options.slots) {
      throw new RangeError('headroom must be an integer from 0 to slots − 1');
    }
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.waitingMs = 2 * options.retryMs + 1000;
  }

  /**
   * Takes a slot for one call attempt of `ownerId`, or says when to try again. `force`: the
   * attempt must go on whatever the shares say (an INVITE may already have left for it, so it
   * may not be put back as if it never happened); its slot is counted all the same.
   */
  take(ownerId: string, force = false): SlotAdmission {
    const now = this.now();
    for (const [owner, until] of this.waiting) if (until <= now) this.waiting.delete(owner);
    const held = this.held.get(ownerId) ?? 0;
    const share = this.shareFor(ownerId);
    if (force || !this.options.fairShare || this.admits(ownerId, held, share)) return this.admit(ownerId);
    this.waiting.set(ownerId, now + this.waitingMs);
    const jitter = 0.75 + this.random() / 2;
    return { kind: 'refused', retryAt: new Date(now + Math.round(this.options.retryMs * jitter)), held, share };
  }

  /** What the slots hold now. */
  use(): CallSlotUse {
    return { used: this.used, byOwner: Object.fromEntries(this.held), waiting: [...this.waiting.keys()] };
  }

  private shareFor(ownerId: string): number {
    const active = new Set([...this.held.keys(), ...this.waiting.keys(), ownerId]);
    return Math.ceil(this.options.slots / active.size);
  }

  private admits(ownerId: string, held: number, share: number): boolean {
    const { slots, headroom } = this.options;
    const free = slots - this.used;
    if (free <= 0) return false;
    if (held < Math.max(1, share - headroom)) return true;
    if (free <= headroom) return false;
    for (const other of this.waiting.keys()) {
      if (other !== ownerId && (this.held.get(other) ?? 0) < held) return false;
    }
    return true;
  }

  private admit(ownerId: string): SlotAdmission {
    this.used += 1;
    this.held.set(ownerId, (this.held.get(ownerId) ?? 0) + 1);
    let released = false;
    return {
      kind: 'admitted',
      release: () => {
        if (released) return;
        released = true;
        this.used -= 1;
        const left = (this.held.get(ownerId) ?? 1) - 1;
        if (left > 0) this.held.set(ownerId, left);
        else this.held.delete(ownerId);
      },
    };
  }
}
