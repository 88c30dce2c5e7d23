package io.zeroserve.functions;

/**
 * Why a function call or a management call failed. The host maps each reason to one HTTP status in
 * one place; nothing else in the code base chooses a status.
 */
public enum Reason {
  /** The request is malformed or does not match the function (bad tensor, shape, datatype, config). */
  BAD_REQUEST,
  /** No credentials, or credentials that are not valid. */
  UNAUTHORIZED,
  /** Valid credentials that do not allow this call. */
  FORBIDDEN,
  /** Unknown function or version. */
  NOT_FOUND,
  /** The call conflicts with the current state (e.g. deleting the active version). */
  CONFLICT,
  /** The body, a tensor or an upload is larger than a configured limit. */
  PAYLOAD_TOO_LARGE,
  /** The content type is not one this endpoint reads. */
  UNSUPPORTED_MEDIA_TYPE,
  /** The function's queue is full; the client should retry after a while. */
  OVERLOADED,
  /** The function cannot serve right now: load failure, corrupt artifact, shutting down. */
  UNAVAILABLE,
  /** The request's deadline passed before it was served. */
  TIMEOUT
}
