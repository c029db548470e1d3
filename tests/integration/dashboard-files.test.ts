/**
 * The manager's HTTP routes serving the built dashboard: the real route handler on a real HTTP
 * server on 127.0.0.1, over a small built-dashboard folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpRoutes } from '../../manager/http-routes.js'

let root = ''
let dir = ''
let server: Server
let base = ''

function serve(dashboardDir: string | null): Promise<string> {
  server = createServer(
    httpRoutes({
      token: 't',
      version: '0.0.0',
      dashboardDir,
      status: () => {
        throw new Error('not used here')
      },
      metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
    }),
  )
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  )
}

/** A raw GET (fetch would normalise `..` away before sending it). */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject).end()
  })
}

beforeAll(async () => {
  // The dashboard folder inside a folder of its own, beside a file it must never serve.
  root = mkdtempSync(join(tmpdir(), 'argon-dashboard-'))
  dir = join(root, 'dist')
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(join(root, 'argon-secret.txt'), 'secret')
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Argon</title>')
  writeFileSync(join(dir, 'assets', 'app-1a2b3c.js'), 'console.log(1)')
  base = await serve(dir)
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(root, { recursive: true, force: true })
})

describe('dashboard files', () => {
  it('serves the shell with its security headers, and never caches it', async () => {
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(await page.text()).toContain('<title>Argon</title>')
  })

  it('serves hashed assets as immutable, with an ETag that answers 304', async () => {
    const asset = await fetch(`${base}/assets/app-1a2b3c.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const etag = asset.headers.get('etag')!
    expect((await fetch(`${base}/assets/app-1a2b3c.js`, { headers: { 'if-none-match': etag } })).status).toBe(304)
  })

  it('answers a dashboard route with the shell, and a missing file with 404', async () => {
    expect(await (await fetch(`${base}/nodes/alpha`)).text()).toContain('<title>Argon</title>')
    expect((await fetch(`${base}/assets/app-old.js`)).status).toBe(404)
  })

  it('never serves a file outside its folder', async () => {
    for (const path of ['/../argon-secret.txt', '/%2e%2e/argon-secret.txt', '/assets/..%2f..%2fargon-secret.txt']) {
      const answer = await rawGet(path)
      expect(answer.body).not.toContain('secret')
    }
  })

  it('answers HEAD without a body, and refuses other methods', async () => {
    expect(await rawGet('/', 'HEAD')).toEqual({ status: 200, body: '' })
    expect((await rawGet('/', 'POST')).status).toBe(405)
  })

  it('says how to build the dashboard when it is not built', async () => {
    const empty = join(root, 'not-built')
    mkdirSync(empty)
    const main = server
    try {
      const other = await serve(empty)
      const answer = await fetch(`${other}/`)
      expect(answer.status).toBe(503)
      expect(await answer.text()).toMatch(/npm run build:renderer/)
    } finally {
      await new Promise((resolve) => server.close(resolve))
      server = main
    }
  })
})
