// Ids in paths, as the spec states them: a generated client or Swagger UI refuses a
// malformed id before sending it, and the server answers one with 422 naming the parameter
// (tsoa validates the pattern) instead of asking PostgreSQL for it. (This header is not a
// JSDoc block: tsoa would read it as the first type's and miss that type's tags.)

/**
 * A resource id: a UUID.
 * @minLength 36
 * @maxLength 36
 * @pattern ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ must be a UUID
 * @example "0b6a3f1e-5d2c-4c8e-9a1b-2f3e4d5c6b7a"
 */
export type Uuid = string;

/**
 * A machine client's id: `vc_` and 16 base64url characters.
 * @minLength 19
 * @maxLength 19
 * @pattern ^vc_[A-Za-z0-9_-]+$ must be a machine client id (vc_…)
 * @example "vc_Q2hhbmdlTWVQbGVhc2"
 */
export type ClientId = string;
