import type { Uuid } from '../ids.dto.js';
import type { Role } from '../../db/entities/index.js';

export interface ClientView {
  /** The OAuth client_id. */
  id: string;
  name: string;
  /** @format uuid */
  ownerId: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
}

export interface ClientWithSecret extends ClientView {
  /** Shown once, at creation or rotation. Use with HTTP Basic at /oauth/token, grant_type=client_credentials. */
  clientSecret: string;
}

export interface CreateClientRequest {
  /**
   * @minLength 1
   * @maxLength 200
   */
  name: string;
  /**
   * The user the client acts for; defaults to the caller.
   * @format uuid
   */
  ownerId?: Uuid;
  /**
   * Defaults to `user`. The client acts with the lesser of this role and its owner's current
   * role: an `admin` client of a user who is not (or no longer) an admin acts as a `user`.
   */
  role?: 'admin' | 'user';
}

export interface UpdateClientRequest {
  /**
   * @minLength 1
   * @maxLength 200
   */
  name?: string;
  role?: 'admin' | 'user';
  /** A disabled client cannot get tokens, and its tokens stop working at once. */
  disabled?: boolean;
}

/** One page of machine clients, newest first; the list envelope every collection shares. */
export interface ClientPage {
  items: ClientView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}
