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
  const gone = () => controller.abort(new ClientClosedRequestError());
  const res = req.res;
  // The client may have left while the body was still being read (the upload was complete).
  if (req.socket.destroyed) gone();
  else {
    res?.once('close', () => {
      if (!res.writableFinished) gone();
    });
  }
  return controller.signal;
}
