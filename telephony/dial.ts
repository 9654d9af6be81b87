/**
 * `dial()`: one outbound call, from the checks before it to its result. What can be refused
 * without a word on the wire is refused here (an aborted signal, a destination that is not a
 * number, a caller ID that cannot go into a header, a trunk that cannot be reached); the
 * call itself — INVITE to BYE — is an {@link OutboundCall} (outbound-call.ts).
 */
import { UserAgent, type URI } from 'sip.js';
import type { Logger } from '../lib/logger.js';
import { ABORTED_BEFORE_DIALLING } from '../campaign/journal-codes.js';
import type { CallOutcome } from '../campaign/outcomes.js';
import type { CallResult, DialRequest, TrunkConfig } from './call-types.js';
import { emitCallEvent, OutboundCall } from './outbound-call.js';
import { sipHost } from './sip/addressing.js';
import { checkCallerIdText, SipTextError } from './sip/sip-text.js';
import type { UserAgents } from './user-agents.js';

/** Places one call; resolves when it has ended, whatever happened. Abort `signal` to CANCEL or BYE. */
export async function dial(
  userAgents: UserAgents,
  request: DialRequest,
  signal?: AbortSignal,
  logger?: Logger,
): Promise<CallResult> {
  const invite = new Date();
  const cleared = await clearToDial(userAgents, request, invite, signal, logger);
  if ('outcome' in cleared) return cleared;
  return new OutboundCall({ ...cleared, request, invite, signal, logger }).start();
}

/** What a call that may be placed goes out with. */
interface Cleared {
  readonly userAgent: UserAgent;
  readonly target: URI;
  readonly callerId: TrunkConfig['callerId'];
}

/** The trunk's user agent, the Request-URI and the caller ID; or the result of a call refused before its INVITE. */
async function clearToDial(
  userAgents: UserAgents,
  request: DialRequest,
  invite: Date,
  signal: AbortSignal | undefined,
  logger: Logger | undefined,
): Promise<Cleared | CallResult> {
  const notPlaced = (outcome: CallOutcome, endReason: string): CallResult => {
    const end = new Date();
    emitCallEvent(request, { type: 'ended', at: end, outcome }, logger);
    return { outcome, endReason, times: { invite, end }, dtmf: [], inviteSent: false };
  };

  if (signal?.aborted) return notPlaced('cancelled', ABORTED_BEFORE_DIALLING);
  const { trunk } = request;
  const target = UserAgent.makeURI(
    `sip:${encodeURIComponent(request.destination)}@${sipHost(trunk.host)}:${trunk.port}${trunk.transport === 'tcp' ? ';transport=tcp' : ''}`,
  );
  if (!target || !/^\+?[0-9*#]{1,32}$/.test(request.destination))
    return notPlaced('invalid_number', 'not a dialable number');

  const callerId = request.callerId ?? trunk.callerId;
  try {
    checkCallerIdText(callerId); // the trunk's own fields are checked when its user agent is made
  } catch (err) {
    if (!(err instanceof SipTextError)) throw err;
    return notPlaced('failed', err.message);
  }

  try {
    return { userAgent: await userAgents.get(trunk), target, callerId };
  } catch (err) {
    logger?.warn({ err, trunkId: trunk.id }, 'trunk unreachable');
    return notPlaced('unavailable', `trunk unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }
}
