import { AudioMessage } from './audio-message.entity.js';
import { AuthKey } from './auth-key.entity.js';
import { LoginFailure } from './login-failure.entity.js';
import { OAuthClient } from './oauth-client.entity.js';
import { OidcPayload } from './oidc-payload.entity.js';
import { User } from './user.entity.js';

export { AudioMessage, AuthKey, LoginFailure, OAuthClient, OidcPayload, User };
export { ROLES, type Role } from './user.entity.js';

export const ENTITIES = [User, OAuthClient, AuthKey, OidcPayload, LoginFailure, AudioMessage];
