/**
 * Application errors shaped like their wire format (RFC 9457 problem details).
 *
 * `type` is a stable slug clients can switch on; `expose` tells the error handler whether
 * `detail` may be shown (never for 5xx: those get a generic body and a log line).
 */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `body.username`. */
  readonly field: string;
  readonly message: string;
  /** The compliance rule the field breaks (campaign/compliance-profile.ts), e.g. `us.ring-time`. */
  readonly rule?: string;
}

export class AppError extends Error {
  readonly expose: boolean;
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(detail ?? title);
    this.name = new.target.name;
    this.expose = status < 500;
  }
}

export class ValidationError extends AppError {
  constructor(errors: readonly FieldError[], detail = 'The request has invalid fields.') {
    super(422, 'validation-error', 'Validation failed', detail, errors);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'A valid bearer token is required.') {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You are not allowed to do this.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not-found', 'Not found', `${what} was not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, errors?: readonly FieldError[]) {
    super(409, 'conflict', 'Conflict', detail, errors);
  }
}

/** 409 `limit-exceeded`: one more would pass a per-owner limit; `field` names the limit. */
export class LimitExceededError extends AppError {
  constructor(field: string, max: number, detail: string) {
    super(409, 'limit-exceeded', 'Limit exceeded', detail, [{ field, message: `at most ${max}` }]);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(detail: string, errors?: readonly FieldError[]) {
    super(413, 'payload-too-large', 'Payload too large', detail, errors);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(detail: string, errors?: readonly FieldError[]) {
    super(415, 'unsupported-media-type', 'Unsupported media type', detail, errors);
  }
}

/** 422 `compliance-violation`: settings that break a rule of the campaign's compliance profile; each error names its rule. */
export class ComplianceViolationError extends AppError {
  constructor(errors: readonly (FieldError & { readonly rule: string })[]) {
    const rules = [...new Set(errors.map((e) => e.rule))].join(', ');
    super(422, 'compliance-violation', 'Compliance profile violated', `The campaign breaks ${rules}.`, errors);
  }
}

/** Well-formed input that cannot be used (e.g. audio too long, a CSV without a phone column). */
export class UnprocessableError extends AppError {
  constructor(type: string, title: string, detail: string, errors?: readonly FieldError[]) {
    super(422, type, title, detail, errors);
  }
}

/** Throttled; the error handler sends `Retry-After`. */
export class TooManyRequestsError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    detail = `Too many attempts; try again in ${retryAfterSeconds} s.`,
  ) {
    super(429, 'too-many-requests', 'Too many requests', detail);
  }
}

/** 503 `busy`: this server has as much of this work in hand as it takes; the error handler sends `Retry-After`. */
export class BusyError extends AppError {
  /** Expected under load, not a fault: the detail is shown and nothing is logged as an error. */
  override readonly expose = true;
  constructor(
    readonly retryAfterSeconds: number,
    detail: string,
  ) {
    super(503, 'busy', 'Busy', detail);
  }
}

export class UpstreamError extends AppError {
  constructor(service: string, detail: string) {
    super(503, 'upstream-unavailable', `${service} unavailable`, detail);
  }
}
