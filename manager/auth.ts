import { createHash, timingSafeEqual } from 'node:crypto'
import type { ExtendedError } from 'socket.io'
import { PROTOCOL_VERSION, type ErrorCode } from '../protocol/index.js'

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function tokensMatch(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

/** A Socket.IO handshake refusal; the client sees `err.data.code`. */
export function handshakeError(code: ErrorCode, message: string): ExtendedError {
  const error = new Error(message) as ExtendedError
  error.data = { code }
  return error
}

/**
 * Checks the common part of every handshake: protocol version first (so an old peer learns why),
 * then the token. Returns a refusal, or null when both are right.
 */
export function checkHandshake(auth: unknown, token: string): ExtendedError | null {
  const fields = (typeof auth === 'object' && auth !== null ? auth : {}) as Record<string, unknown>
  if (fields.protocol !== PROTOCOL_VERSION) {
    return handshakeError(
      'PROTOCOL_MISMATCH',
      `protocol version ${String(fields.protocol)} is not supported (this manager speaks ${PROTOCOL_VERSION})`,
    )
  }
  if (!tokensMatch(token, fields.token)) return handshakeError('UNAUTHORIZED', 'invalid token')
  return null
}

/** Reads a token from an HTTP request: `Authorization: Bearer T` or `?token=T`. */
export function requestToken(authorization: string | undefined, url: URL): string | undefined {
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim()
  return url.searchParams.get('token') ?? undefined
}
