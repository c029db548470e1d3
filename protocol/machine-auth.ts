/**
 * The machine path (clients and agents on `/argon.io`) is authenticated twice: once on the
 * WebSocket upgrade, before the manager accepts a single frame (so a stranger cannot make it
 * buffer anything), and again in the namespace handshake. This module is the part both ends share.
 */
import type { ErrorCode } from './error-codes.js'
import { PROTOCOL_VERSION } from './version.js'

/** Request header carrying the peer's protocol version on the upgrade. */
export const PROTOCOL_HEADER = 'x-argon-protocol'

/** HTTP statuses the manager answers a refused upgrade with, and the code each one means. */
export const UPGRADE_REFUSALS = {
  401: 'UNAUTHORIZED',
  426: 'PROTOCOL_MISMATCH',
} as const satisfies Record<number, ErrorCode>

/** Headers a machine connection sends with its WebSocket upgrade (`extraHeaders` of socket.io-client). */
export function machineUpgradeHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) }
}

/** Handshake refusals that a retry cannot fix. */
const FATAL_REFUSALS = [
  'UNAUTHORIZED',
  'PROTOCOL_MISMATCH',
  'BAD_REQUEST',
  'NAME_IN_USE',
] as const satisfies readonly ErrorCode[]
type FatalRefusal = (typeof FATAL_REFUSALS)[number]

interface ConnectError extends Error {
  data?: { code?: unknown }
  description?: unknown
}

/**
 * The code of a connection the manager refused for good (wrong token, wrong protocol, bad
 * handshake), from a socket.io-client `connect_error`; undefined when it may work on a retry
 * (network down, manager restarting).
 */
export function refusalCode(error: ConnectError): FatalRefusal | undefined {
  const code = error.data?.code
  if (typeof code === 'string' && (FATAL_REFUSALS as readonly string[]).includes(code)) return code as FatalRefusal
  // A refused upgrade reaches the client as the WebSocket library's error text.
  const description = error.description as { message?: unknown } | undefined
  const text = typeof description?.message === 'string' ? description.message : ''
  const status = /Unexpected server response: (\d{3})/.exec(text)?.[1]
  if (status === '401') return UPGRADE_REFUSALS[401]
  if (status === '426') return UPGRADE_REFUSALS[426]
  return undefined
}

/** The innermost reason of a failed connect: the network's ("ECONNREFUSED …") rather than Socket.IO's wrapper. */
export function connectErrorCause(error: ConnectError): string {
  return (error.description as { message?: string } | undefined)?.message ?? error.message
}
