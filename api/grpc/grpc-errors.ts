/**
 * The API's errors as gRPC statuses: the HTTP status of an {@link AppError} picks the code,
 * its detail is the message, and a validation error's fields travel as the standard
 * `google.rpc.BadRequest` in `grpc-status-details-bin` (what grpc-status-aware clients
 * decode) besides `field: message` in the status message. Anything else is INTERNAL with a
 * generic message (and a log line where it was caught).
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { AppError, type FieldError } from '../../lib/errors.js';

const BY_HTTP_STATUS: Readonly<Record<number, status>> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.ALREADY_EXISTS,
  413: status.RESOURCE_EXHAUSTED,
  415: status.INVALID_ARGUMENT,
  422: status.INVALID_ARGUMENT,
  429: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
};

/** Errors whose HTTP status says too little (a 409 may be a conflict or a precondition). */
const BY_TYPE: Readonly<Record<string, status>> = {
  'not-external': status.FAILED_PRECONDITION,
  'recording-pending': status.UNAVAILABLE,
};

/** camelCase field names (as the shared validators write them) in the proto's snake_case. */
export const protoField = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function grpcError(err: unknown, code?: status): Partial<ServiceError> {
  if (!(err instanceof AppError)) {
    return { code: status.INTERNAL, details: 'Something went wrong on our side.', metadata: new Metadata() };
  }
  const fields = (err.errors ?? []).map((e) => ({ field: protoField(e.field), message: e.message }));
  const chosen =
    code ??
    BY_TYPE[err.type] ??
    BY_HTTP_STATUS[err.status] ??
    (err.status >= 500 ? status.UNAVAILABLE : status.UNKNOWN);
  const text =
    fields.length > 0
      ? `${err.detail ?? err.title} ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`
      : (err.detail ?? err.title);
  const metadata = new Metadata();
  if (fields.length > 0) metadata.set('grpc-status-details-bin', statusDetails(chosen, text, fields));
  return { code: chosen, details: text, metadata };
}

// --- protobuf wire format, just what google.rpc.Status with a BadRequest needs ---

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** A length-delimited field (wire type 2). */
const bytesField = (tag: number, value: Buffer): Buffer =>
  Buffer.concat([varint((tag << 3) | 2), varint(value.length), value]);
const stringField = (tag: number, value: string): Buffer => bytesField(tag, Buffer.from(value, 'utf8'));

/**
 * `google.rpc.Status { code = 1; message = 2; details = 3 (Any) }` holding one
 * `google.rpc.BadRequest { field_violations = 1 { field = 1; description = 2 } }`.
 */
export function statusDetails(code: status, message: string, fields: readonly FieldError[]): Buffer {
  const violations = Buffer.concat(
    fields.map((f) => bytesField(1, Buffer.concat([stringField(1, f.field), stringField(2, f.message)]))),
  );
  const any = Buffer.concat([stringField(1, 'type.googleapis.com/google.rpc.BadRequest'), bytesField(2, violations)]);
  return Buffer.concat([varint(1 << 3), varint(code), stringField(2, message), bytesField(3, any)]);
}
