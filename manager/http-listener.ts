import { createServer, type RequestListener, type Server as HttpServer } from 'node:http'
import { createServer as createSecureServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { ManagerCertificate } from './tls-certificate.js'
import { tlsOnlyListener } from './tls-only-listener.js'

/** The manager's HTTP(S) server and what listens on its port. */
export interface HttpListener {
  /** The server the routes and the Socket.IO servers are attached to. */
  readonly http: HttpServer
  /** Listens on `port` (0 picks a free one); resolves with the port taken, rejects when it cannot (in use, not allowed). */
  listen(port: number, host: string): Promise<number>
  /** Closes every connection and the port (the Socket.IO servers are closed first, by their owner). */
  close(): Promise<void>
}

/**
 * The HTTP server of a manager, plain or HTTPS. With a certificate, one front listener takes the
 * port: TLS goes to the HTTPS server; plain requests get /health, or learn why they fail.
 *
 * @example
 * ```ts
 * const { http, listen } = httpListener(routes, certificate)
 * const port = await listen(8000, '0.0.0.0')
 * ```
 */
export function httpListener(routes: RequestListener, certificate: ManagerCertificate | undefined): HttpListener {
  const secure = certificate ? createSecureServer({ cert: certificate.cert, key: certificate.key }, routes) : undefined
  const http: HttpServer = secure ?? createServer(routes)
  const front = secure
    ? tlsOnlyListener(
        secure,
        routes,
        'this Argon manager only accepts TLS: open https:// in a browser; agents, clients and commands pass the fingerprint the manager printed (--fingerprint sha256:…) or its CA (--ca FILE)',
      )
    : undefined
  const listener = front ?? http
  // Slow or stalled requests must not hold sockets for minutes.
  http.headersTimeout = 10_000
  http.requestTimeout = 30_000
  return {
    http,
    listen: (port, host) =>
      new Promise<number>((resolve, reject) => {
        listener.once('error', reject)
        listener.listen(port, host, () => {
          listener.off('error', reject)
          resolve((listener.address() as AddressInfo).port)
        })
      }),
    async close() {
      http.closeAllConnections()
      if (front) {
        front.destroyConnections()
        await new Promise<void>((resolve) => front.close(() => resolve()))
      }
    },
  }
}
