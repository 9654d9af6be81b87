import { AudioMessage } from './audio-message.entity.js';
import { AuthKey } from './auth-key.entity.js';
import { LoginFailure } from './login-failure.entity.js';
import { OAuthClient } from './oauth-client.entity.js';
import { OidcPayload } from './oidc-payload.entity.js';
import { SipTrunk } from './sip-trunk.entity.js';
import { User } from './user.entity.js';

export { AudioMessage, AuthKey, LoginFailure, OAuthClient, OidcPayload, SipTrunk, User };
export { ROLES, type Role } from './user.entity.js';
export {
  SIP_CODECS,
  SIP_TRANSPORTS,
  trunkPasswordContext,
  type SipCodec,
  type SipTransport,
} from './sip-trunk.entity.js';

export const ENTITIES = [User, OAuthClient, AuthKey, OidcPayload, LoginFailure, SipTrunk, AudioMessage];
