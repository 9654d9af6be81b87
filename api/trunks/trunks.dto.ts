import type { SipCodec, SipTransport } from '../../db/entities/index.js';
import type { SipDisplayName, SipRealm, SipUserName } from '../sip-text.dto.js';

/**
 * Unique among the owner's trunks.
 * @minLength 1
 * @maxLength 200
 */
export type TrunkName = string;

/**
 * Host name or IP address (IPv6 with or without brackets), no port.
 * @minLength 1
 * @maxLength 255
 */
export type TrunkHost = string;

/**
 * The caller ID presented: digits, optionally with a leading `+` (E.164 style).
 * @pattern ^\+?[0-9]{2,20}$
 */
export type CallerIdNumber = string;

/**
 * Digest password. Stored encrypted; never returned.
 * @minLength 1
 * @maxLength 256
 */
export type TrunkPassword = string;

/** Where every request goes instead of the trunk's host:port. */
export interface OutboundProxy {
  host: TrunkHost;
  /**
   * @isInt
   * @minimum 1
   * @maximum 65535
   */
  port: number;
}

/** A SIP trunk. The password is write-only: `hasPassword` tells whether one is set. */
/** The last technical failure of a trunk. */
export interface TrunkFailureView {
  at: Date;
  /** e.g. `503 Service Unavailable`, `no response from the gateway before the ring timeout`. */
  reason: string;
}

/**
 * The trunk's circuit breaker, shared by every worker. `down`: it failed technically (no
 * response, unreachable, 408, 401/407, 5xx) TRUNK_BREAKER_FAILURES times in a row, so every
 * campaign skips it until `downUntil`; then one call tries it again (an answer brings it
 * `up`, another failure holds it down again).
 */
export interface TrunkHealthView {
  state: 'up' | 'down';
  /**
   * Technical failures in a row; an answer about a callee sets it back to 0.
   * @isInt
   */
  consecutiveFailures: number;
  /** While `down`: when one call may try it again; `null` when up. */
  downUntil: Date | null;
  lastFailure: TrunkFailureView | null;
  /**
   * The last OPTIONS probe sent while the trunk was held down (the worker probes it every
   * TRUNK_PROBE_INTERVAL_SECONDS; an answer that is not itself a failure brings it up at
   * once); `null` when none was sent.
   */
  lastProbe: TrunkProbeView | null;
}

export interface TrunkProbeView {
  at: Date;
  /** e.g. `200 OK`, `405 Method Not Allowed`, `503 Service Unavailable`, `timeout`. */
  result: string;
}

export interface TrunkView {
  /** @format uuid */
  id: string;
  /** @format uuid */
  ownerId: string;
  /** Shared with the owner's department: its members see it (and may use it), only the owner changes it. */
  shared: boolean;
  name: string;
  host: string;
  port: number;
  transport: SipTransport;
  username: string | null;
  hasPassword: boolean;
  authUsername: string | null;
  realm: string | null;
  outboundProxy: OutboundProxy | null;
  callerIdNumber: string;
  callerIdName: string | null;
  register: boolean;
  registerExpiresSeconds: number;
  maxConcurrentCalls: number;
  maxCallsPerSecond: number;
  /** Offered in this order. */
  codecs: SipCodec[];
  health: TrunkHealthView;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Changes the fields given, leaves the others. Nullable fields are cleared with `null`;
 * `password`: absent keeps it, `null` removes it, a string replaces it.
 */
export interface UpdateTrunkRequest {
  name?: TrunkName;
  /** The gateway. */
  host?: TrunkHost;
  /**
   * Default 5060.
   * @isInt
   * @minimum 1
   * @maximum 65535
   */
  port?: number;
  /** Default `udp`. */
  transport?: SipTransport;
  /** Account user name: the user part of From and of the registered address. */
  username?: SipUserName | null;
  /** Digest user name when it differs from `username`. */
  authUsername?: SipUserName | null;
  /**
   * The provider's digest realm. Set, the trunk's credentials answer only 401/407
   * challenges for exactly this realm (case-sensitive): a challenge for another realm ends
   * the call or trunk test with that 401/407 and names both realms, and no digest is sent.
   * Null: challenges for any realm are answered.
   */
  realm?: SipRealm | null;
  outboundProxy?: OutboundProxy | null;
  callerIdNumber?: CallerIdNumber;
  /** Display name presented with the caller ID. */
  callerIdName?: SipDisplayName | null;
  /** REGISTER with the trunk (default false). */
  register?: boolean;
  /**
   * Registration expiry asked for, default 3600.
   * @isInt
   * @minimum 60
   * @maximum 86400
   */
  registerExpiresSeconds?: number;
  /**
   * Calls in progress at once on this trunk, default 10.
   * @isInt
   * @minimum 1
   * @maximum 10000
   */
  maxConcurrentCalls?: number;
  /**
   * New calls started per second on this trunk, default 5.
   * @isInt
   * @minimum 1
   * @maximum 1000
   */
  maxCallsPerSecond?: number;
  /**
   * Codecs offered, in order of preference; default PCMU, PCMA.
   * @minItems 1
   * @maxItems 2
   * @uniqueItems
   */
  codecs?: SipCodec[];
  password?: TrunkPassword | null;
}

/** A new trunk; the fields left out take the defaults named. */
export interface CreateTrunkRequest extends UpdateTrunkRequest {
  name: TrunkName;
  /** The gateway. */
  host: TrunkHost;
  callerIdNumber: CallerIdNumber;
}

/** The registration part of a trunk test. */
export interface TrunkRegistrationResult {
  /** The registrar bound us (the test removed the binding again). */
  registered: boolean;
  sipCode: number | null;
  sipReason: string | null;
}

/** What a trunk test found. */
export interface TrunkTestResult {
  /** The trunk answered the OPTIONS (with any SIP response). */
  reachable: boolean;
  /**
   * `true`: the trunk challenged and took the credentials; `false`: it refused them (401, 407,
   * or 403 after a challenge); `null`: nothing asked for credentials.
   */
  authenticated: boolean | null;
  /** From sending the OPTIONS to its final response (a digest round included), ms. */
  rttMs: number | null;
  /** The OPTIONS' final response. */
  sipCode: number | null;
  sipReason: string | null;
  /** `null` when the trunk does not register. */
  registration: TrunkRegistrationResult | null;
  /**
   * Why there is no answer or what else went wrong. No SIP answer at all is always the same
   * words after the full deadline, whether the port is closed, filtered or not SIP (the test
   * is no port scanner); a host the trunk network policy refuses says so.
   */
  error: string | null;
}

/** One page of trunks, newest first; the list envelope every collection shares. */
export interface TrunkPage {
  items: TrunkView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}
