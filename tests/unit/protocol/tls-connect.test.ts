import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { describeTlsFailure, resolveManagerEndpoint, TlsMismatchError } from '../../../protocol/tls-connect.js'
import { writeEndpointRecord } from '../../../protocol/tls-files.js'

const FINGERPRINT = `sha256:${'ab'.repeat(32)}` as const
const homes: string[] = []
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function home(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'argon-connect-unit-'))
  homes.push(dir)
  return { ARGON_HOME: dir }
}

describe('resolveManagerEndpoint', () => {
  it('is plain by default, and TLS when a fingerprint, a CA or tls is given', () => {
    const env = home()
    expect(resolveManagerEndpoint('mgrhost', 8000, {}, env)).toMatchObject({
      origin: 'http://mgrhost:8000',
      tls: false,
    })
    const pinned = resolveManagerEndpoint(
      'mgrhost',
      8000,
      { fingerprint: FINGERPRINT.toUpperCase().replace('SHA256', 'sha256') },
      env,
    )
    expect(pinned).toMatchObject({
      origin: 'https://mgrhost:8000',
      tls: true,
      verification: 'fingerprint',
      fingerprint: FINGERPRINT,
    })
    expect(pinned.socketOptions.agent).toBeDefined()
    expect(resolveManagerEndpoint('::1', 8000, { ca: 'PEM' }, env)).toMatchObject({
      origin: 'https://[::1]:8000',
      verification: 'ca',
      socketOptions: { ca: ['PEM'], rejectUnauthorized: true },
    })
    expect(resolveManagerEndpoint('mgrhost', 8000, { tls: true }, env)).toMatchObject({
      tls: true,
      verification: 'system',
    })
    expect(() => resolveManagerEndpoint('mgrhost', 8000, { fingerprint: 'nope' }, env)).toThrow(TypeError)
  })

  it('follows the record a manager on this machine published, for local hosts only', () => {
    const env = home()
    writeEndpointRecord({ port: 8000, tls: true, fingerprint: FINGERPRINT }, env)
    expect(resolveManagerEndpoint('127.0.0.1', 8000, {}, env)).toMatchObject({
      tls: true,
      verification: 'fingerprint',
      fingerprint: FINGERPRINT,
    })
    expect(resolveManagerEndpoint('localhost', 8000, {}, env)).toMatchObject({ tls: true })
    // Another port, another machine, or an explicit --no-tls: the record does not apply.
    expect(resolveManagerEndpoint('127.0.0.1', 8001, {}, env).tls).toBe(false)
    expect(resolveManagerEndpoint('192.0.2.9', 8000, {}, env).tls).toBe(false)
    expect(resolveManagerEndpoint('127.0.0.1', 8000, { tls: false }, env).tls).toBe(false)
  })
})

describe('describeTlsFailure', () => {
  const secure = resolveManagerEndpoint('mgrhost', 8000, { fingerprint: FINGERPRINT }, {})
  const plain = resolveManagerEndpoint('mgrhost', 8000, { tls: false }, {})
  /** What socket.io-client hands `connect_error`: engine.io's TransportError around ws's error event. */
  const wrapped = (error: Error) =>
    Object.assign(new Error('websocket error'), {
      type: 'TransportError',
      description: { error, message: error.message },
    })

  it('names a pinned-fingerprint mismatch', () => {
    const failure = describeTlsFailure(
      wrapped(new TlsMismatchError("the manager's certificate is sha256:x, not the pinned sha256:y")),
      secure,
    )
    expect(failure).toMatchObject({ code: 'TLS_MISMATCH' })
    expect(failure!.message).toContain('not the pinned')
  })

  it('says what to do when a plain client meets a TLS manager, or a TLS client a plain one', () => {
    expect(describeTlsFailure(wrapped(new Error('Unexpected server response: 497')), plain)?.message).toMatch(
      /only accepts TLS/,
    )
    const wrongVersion = Object.assign(
      new Error('write EPROTO 00:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'),
      { code: 'EPROTO' },
    )
    expect(describeTlsFailure(wrapped(wrongVersion), secure)?.message).toMatch(/does not speak TLS/)
  })

  it('treats an untrusted certificate as final', () => {
    const untrusted = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    expect(
      describeTlsFailure(wrapped(untrusted), resolveManagerEndpoint('mgrhost', 8000, { tls: true }, {}))?.message,
    ).toMatch(/not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/)
  })

  it('leaves ordinary connection failures to the retry loop', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' })
    expect(describeTlsFailure(wrapped(refused), secure)).toBeNull()
    expect(describeTlsFailure(wrapped(refused), plain)).toBeNull()
    expect(describeTlsFailure(wrapped(new Error('Unexpected server response: 502')), plain)).toBeNull()
    expect(describeTlsFailure(undefined, plain)).toBeNull()
  })
})
