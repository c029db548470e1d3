import { createReadStream, existsSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { HEALTH_ROUTE, PROTOCOL_VERSION, type ClusterStatus } from '../protocol/index.js'
import { requestToken, tokensMatch } from './auth.js'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

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
    if (options.dashboardDir === null) return send(404, 'text/plain', 'not found\n')
    serveDashboardFile(options.dashboardDir, url.pathname, response, send)
  }
}

function serveDashboardFile(
  root: string,
  pathname: string,
  response: ServerResponse,
  send: (status: number, type: string, body: string, headers?: Record<string, string>) => void,
): void {
  let relative: string
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
  } catch {
    return send(400, 'text/plain', 'bad path\n')
  }
  if (relative.split(sep).includes('..')) return send(400, 'text/plain', 'bad path\n')
  let file = join(root, relative)
  if (relative === '' || !existsSync(file) || !statSync(file).isFile()) {
    // A path without a file is a dashboard route: serve the app shell.
    if (extname(relative) !== '' && relative !== '') return send(404, 'text/plain', 'not found\n')
    file = join(root, 'index.html')
    if (!existsSync(file)) return send(503, 'text/plain', 'The dashboard is not built. Run: npm run build:renderer\n')
  }
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
  const immutable = file.includes(`${sep}assets${sep}`)
  response.writeHead(200, {
    'content-type': type,
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
  })
  createReadStream(file).pipe(response)
}
