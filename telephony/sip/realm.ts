/**
 * A trunk's digest realm. Unset, our credentials answer a 401/407 from any realm (sip.js's
 * own behaviour). Set, they answer only challenges for that realm, compared exactly (realms
 * are case-sensitive, RFC 2617 §1.2), as PJSIP's auth `realm` does: a challenge for any
 * other realm is left unanswered and becomes the request's final response, so a proxy or
 * registrar on the path that is not the provider never gets a digest computed with the
 * trunk's password. The call or probe then reports that realm (`realmRefusal`).
 */
import type { Core, UserAgent } from 'sip.js';

/** The realm a 401/407 challenges for; undefined for other responses and challenges without one. */
export function challengeRealm(message: Core.IncomingResponseMessage): string | undefined {
  const code = message.statusCode;
  if (code !== 401 && code !== 407) return undefined;
  const challenge: unknown = message.parseHeader(code === 401 ? 'www-authenticate' : 'proxy-authenticate');
  const realm = (challenge as { realm?: unknown } | undefined)?.realm;
  return typeof realm === 'string' ? realm : undefined;
}

/** Why a final 401/407 was not answered because the trunk's realm is another one; undefined otherwise. */
export function realmRefusal(
  message: Core.IncomingResponseMessage,
  trunkRealm: string | undefined,
): string | undefined {
  if (trunkRealm === undefined) return undefined;
  const realm = challengeRealm(message);
  if (realm === undefined || realm === trunkRealm) return undefined;
  return `challenged for realm "${realm}", not the trunk's realm "${trunkRealm}": credentials not sent`;
}

/** Makes `userAgent`'s credentials answer only challenges for `realm` (see the module notes). */
export function answerOnlyRealm(userAgent: UserAgent, realm: string): void {
  const configuration = userAgent.userAgentCore.configuration;
  const credentialsFor = configuration.authenticationFactory.bind(configuration);
  configuration.authenticationFactory = () => {
    const credentials = credentialsFor();
    if (!credentials) return credentials;
    const authenticate = credentials.authenticate.bind(credentials);
    // False makes sip.js's client pass the 401/407 on as the final response.
    credentials.authenticate = (request, challenge, body) =>
      (challenge as { realm?: unknown }).realm === realm && authenticate(request, challenge, body);
    return credentials;
  };
}
