/** `req.user` is set by tsoa from expressAuthentication's result (a Principal). */
import type { Principal } from '../auth/principal.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: Principal;
    }
  }
}
export {};
