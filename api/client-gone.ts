import type { Request } from 'express';
import { AppError } from '../lib/errors.js';

/** The client closed the connection before the response (nginx's 499); nobody reads the answer. */
export class ClientClosedRequestError extends AppError {
  constructor() {
    super(499, 'client-closed-request', 'Client closed request', 'The client went away before the response.');
  }
}

/**
 * A signal that aborts when the client disconnects before the response is complete, for
 * long requests (imports) whose work is pointless, or must be undone, once nobody waits.
 */
export function clientGoneSignal(req: Request): AbortSignal {
  const controller = new AbortController();
  const res = req.res;
  res?.once('close', () => {
    if (!res.writableFinished) controller.abort(new ClientClosedRequestError());
  });
  return controller.signal;
}
