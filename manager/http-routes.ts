import { existsSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import sirv from 'sirv'
import { HEALTH_ROUTE, PROTOCOL_VERSION, type ClusterStatus } from '../protocol/index.js'
import { requestToken, tokensMatch } from './auth.js'

/** The dashboard may load only its own files and talk only to this manager. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

export interface HttpRoutesOptions {
  token: string
  version: string
  /** Folder of the built dashboard; null = not served. */
  dashboardDir: string | null
  status: () => ClusterStatus
  metrics: () => Promise<{ contentType: string; body: string }>
}

/**
 * The manager's HTTP routes (Socket.IO handles its own paths before these run):
 * `/health` (open), `/api/status` and `/metrics` (token), and the dashboard's static files at `/`.
 * The dashboard shell is public but holds no cluster data: it asks for the token and gets every
 * figure over the authenticated control socket.
 */
export function httpRoutes(options: HttpRoutesOptions) {
  const dashboard = options.dashboardDir === null ? null : dashboardFiles(options.dashboardDir)
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        ...headers,
      })
      response.end(body)
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n')

    if (url.pathname === HEALTH_ROUTE) {
      return send(
        200,
        'application/json',
        JSON.stringify({ status: 'ok', version: options.version, protocol: PROTOCOL_VERSION }),
      )
    }
    if (url.pathname === '/api/status' || url.pathname === '/metrics') {
      if (!tokensMatch(options.token, requestToken(request.headers.authorization, url))) {
        return send(
          401,
          'application/json',
          JSON.stringify({ code: 'UNAUTHORIZED', message: 'a valid token is required' }),
          { 'www-authenticate': 'Bearer' },
        )
      }
      if (url.pathname === '/api/status') return send(200, 'application/json', JSON.stringify(options.status()))
      options.metrics().then(
        ({ contentType, body }) => send(200, contentType, body),
        (error: unknown) => send(500, 'text/plain', `metrics failed: ${String(error)}\n`),
      )
      return
    }
    if (dashboard === null) return send(404, 'text/plain', 'not found\n')
    dashboard(request, response, send)
  }
}

/**
 * The built dashboard, served by sirv: files listed once (only those can be served, so no path
 * leaves the folder), ETags and ranges, and any path without a file extension answered with the
 * app shell (a dashboard route). Until the dashboard is built, its routes say how to build it.
 */
function dashboardFiles(
  root: string,
): (
  request: IncomingMessage,
  response: ServerResponse,
  send: (status: number, type: string, body: string) => void,
) => void {
  let serve: ReturnType<typeof sirv> | undefined
  return (request, response, send) => {
    if (serve === undefined) {
      if (!existsSync(join(root, 'index.html')))
        return send(503, 'text/plain', 'The dashboard is not built. Run: npm run build:renderer\n')
      serve = sirv(root, {
        single: true,
        etag: true,
        setHeaders: (res, pathname) => {
          res.setHeader('content-security-policy', DASHBOARD_CSP)
          res.setHeader('x-content-type-options', 'nosniff')
          res.setHeader('referrer-policy', 'no-referrer')
          res.setHeader('x-frame-options', 'DENY')
          // Vite names assets by their content: they never change; the shell always may.
          res.setHeader(
            'cache-control',
            pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store',
          )
        },
      })
    }
    // A path with an extension and no file (a stale asset name) is not found.
    serve(request, response, () => send(404, 'text/plain', 'not found\n'))
  }
}
