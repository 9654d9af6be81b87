import { AuthKey } from './auth-key.entity.js';
import { Contact, ContactInvalidLine } from './contact.entity.js';
import { ContactList } from './contact-list.entity.js';
import { LoginFailure } from './login-failure.entity.js';
import { OAuthClient } from './oauth-client.entity.js';
import { OidcPayload } from './oidc-payload.entity.js';
import { User } from './user.entity.js';

export { AuthKey, Contact, ContactInvalidLine, ContactList, LoginFailure, OAuthClient, OidcPayload, User };
export { CONTACT_LIST_STATUSES, type ContactListStatus } from './contact-list.entity.js';
export { ROLES, type Role } from './user.entity.js';

export const ENTITIES = [
  User,
  OAuthClient,
  AuthKey,
  OidcPayload,
  LoginFailure,
  ContactList,
  Contact,
  ContactInvalidLine,
];
