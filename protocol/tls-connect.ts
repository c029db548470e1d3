/**
 * How a client, an agent or a command reaches a manager: plain, TLS verified by CA, or TLS pinned
 * to a certificate fingerprint. One place decides, so all three behave alike, and one place turns
 * a failed TLS handshake into a `TLS_MISMATCH` that callers stop retrying.
 */
import { Agent, type AgentOptions } from 'node:https'
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import type { Duplex } from 'node:stream'
import { fingerprintOfDer, isThisMachine, parseFingerprint, readEndpointRecord, type Fingerprint } from './tls-files.js'
import { formatHost } from './address.js'

/** How to trust the manager. Giving `fingerprint` or `ca` implies TLS. */
export interface TlsTrustOptions {
  /**
   * Use TLS. Unset: TLS when `fingerprint` or `ca` is given, or when a manager on this machine
   * published that it serves TLS on this port (then its fingerprint is pinned).
   */
  tls?: boolean
  /** Pin the manager's certificate by its SHA-256 fingerprint (`sha256:…`, as the manager prints it). */
  fingerprint?: string
  /** Verify the manager's certificate against these CA certificates (PEM) instead of the system's. */
  ca?: string | Buffer | (string | Buffer)[]
}

/**
 * TLS options as socket.io-client takes them. Its types say `agent` is a string or boolean, but it
 * hands the value to `ws`, which takes an https.Agent: the pinned agent is cast once, here.
 */
export interface SocketTlsOptions {
  agent?: string | boolean
  ca?: string[]
  rejectUnauthorized?: boolean
}

/** What the socket needs to reach one manager. */
export interface ManagerEndpoint {
  /** `http://host:port` or `https://host:port` (Socket.IO picks ws/wss from it). */
  origin: string
  tls: boolean
  /** How the certificate is checked: 'fingerprint', 'ca' (given CAs) or 'system' (the system's CAs); null without TLS. */
  verification: 'fingerprint' | 'ca' | 'system' | null
  fingerprint: Fingerprint | undefined
  /** Options for socket.io-client's `io()` (an https agent, or CAs). */
  socketOptions: SocketTlsOptions
}

/**
 * Decides how to reach the manager at `host:port`.
 *
 * @example
 * ```ts
 * const endpoint = resolveManagerEndpoint('mgrhost', 8000, { fingerprint: 'sha256:…' })
 * io(`${endpoint.origin}/client`, { ...endpoint.socketOptions, path: '/argon.io' })
 * ```
 */
export function resolveManagerEndpoint(
  host: string,
  port: number,
  trust: TlsTrustOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ManagerEndpoint {
  const shownHost = formatHost(host)
  const plain: ManagerEndpoint = {
    origin: `http://${shownHost}:${port}`,
    tls: false,
    verification: null,
    fingerprint: undefined,
    socketOptions: {},
  }
  if (trust.tls === false) return plain
  const secure = (
    verification: ManagerEndpoint['verification'],
    fingerprint: Fingerprint | undefined,
    socketOptions: ManagerEndpoint['socketOptions'],
  ): ManagerEndpoint => ({
    origin: `https://${shownHost}:${port}`,
    tls: true,
    verification,
    fingerprint,
    socketOptions,
  })
  if (trust.fingerprint !== undefined) {
    const fingerprint = parseFingerprint(trust.fingerprint)
    return secure('fingerprint', fingerprint, { agent: pinnedAgent(fingerprint) as unknown as string })
  }
  if (trust.ca !== undefined)
    return secure('ca', undefined, { ca: [trust.ca].flat().map((pem) => pem.toString()), rejectUnauthorized: true })
  // On the manager's own machine its published record says how it is reached.
  const record = isThisMachine(host) ? readEndpointRecord(port, env) : undefined
  if (record?.tls && record.fingerprint)
    return secure('fingerprint', record.fingerprint, { agent: pinnedAgent(record.fingerprint) as unknown as string })
  if (trust.tls === true) return secure('system', undefined, { rejectUnauthorized: true })
  return plain
}

/** The error a pinned connection fails with when the certificate is not the pinned one. */
export class TlsMismatchError extends Error {
  readonly code = 'TLS_MISMATCH'
  constructor(message: string) {
    super(message)
    this.name = 'TlsMismatchError'
  }
}

/**
 * An https agent that accepts exactly one certificate, by fingerprint, whoever signed it. The
 * check runs as soon as the handshake completes, before the upgrade response is read, and the
 * token only travels after that (in the Socket.IO handshake), so a wrong server never sees it.
 */
export function pinnedAgent(fingerprint: Fingerprint, options: AgentOptions = {}): Agent {
  return new PinnedAgent(fingerprint, options)
}

class PinnedAgent extends Agent {
  readonly #fingerprint: Fingerprint

  constructor(fingerprint: Fingerprint, options: AgentOptions) {
    super({ ...options, rejectUnauthorized: false })
    this.#fingerprint = fingerprint
  }

  override createConnection(options: ConnectionOptions): Duplex {
    const socket: TLSSocket = tlsConnect({ ...options, rejectUnauthorized: false })
    socket.prependOnceListener('secureConnect', () => {
      const certificate = socket.getPeerCertificate()
      const actual = certificate?.raw ? fingerprintOfDer(certificate.raw) : 'no certificate'
      if (actual !== this.#fingerprint) {
        socket.destroy(
          new TlsMismatchError(`the manager's certificate is ${actual}, not the pinned ${this.#fingerprint}`),
        )
      }
    })
    return socket
  }
}

/** Handshake failures that mean "this certificate is not trusted": retrying cannot help. */
const CERTIFICATE_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/**
 * The HTTP status a TLS manager answers plain HTTP and WebSocket requests with: nginx's "HTTP
 * request sent to HTTPS port". (426 would fit too, but the upgrade gate answers 426 for a protocol
 * version mismatch, and a WebSocket client sees only the status.)
 */
export const TLS_REQUIRED_STATUS = 497

/**
 * Reads a Socket.IO `connect_error` (or any connection error) and, when it is a TLS failure that
 * retrying cannot fix, says so with a message naming what to do. Returns null otherwise.
 */
export function describeTlsFailure(
  error: unknown,
  endpoint: ManagerEndpoint,
): { code: 'TLS_MISMATCH'; message: string } | null {
  const where = endpoint.origin.replace(/^https?:\/\//, '')
  for (const cause of causes(error)) {
    const code = typeof cause.code === 'string' ? cause.code : undefined
    const message = typeof cause.message === 'string' ? cause.message : ''
    if (code === 'TLS_MISMATCH') {
      return {
        code: 'TLS_MISMATCH',
        message: `${message} (${where}). Check the fingerprint the manager printed, or pass its CA with --ca`,
      }
    }
    if (!endpoint.tls && message.includes(`Unexpected server response: ${TLS_REQUIRED_STATUS}`)) {
      return {
        code: 'TLS_MISMATCH',
        message: `the manager at ${where} only accepts TLS: pass the fingerprint it printed (--fingerprint sha256:…, or the fingerprint option) or its CA (--ca FILE)`,
      }
    }
    if (
      endpoint.tls &&
      (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') &&
      /wrong version number|packet length too long|unknown protocol|http request/i.test(message)
    ) {
      return {
        code: 'TLS_MISMATCH',
        message: `the manager at ${where} does not speak TLS: connect without --fingerprint/--ca/--tls, or start the manager with --tls`,
      }
    }
    if (endpoint.tls && code !== undefined && CERTIFICATE_ERRORS.has(code)) {
      return {
        code: 'TLS_MISMATCH',
        message: `the manager's certificate at ${where} is not trusted (${code}): pass the fingerprint it printed (--fingerprint sha256:…) or the CA that signed it (--ca FILE)`,
      }
    }
  }
  return null
}

/** The error and the errors it wraps (engine.io wraps the WebSocket's error event, which wraps the socket's error). */
function causes(error: unknown): { code?: unknown; message?: unknown }[] {
  const found: { code?: unknown; message?: unknown }[] = []
  const queue: unknown[] = [error]
  while (queue.length > 0 && found.length < 8) {
    const item = queue.shift()
    if (typeof item !== 'object' || item === null) continue
    const fields = item as Record<string, unknown>
    found.push(fields)
    queue.push(fields.description, fields.error, fields.cause, fields.context)
  }
  return found
}
