import { createHash, randomBytes, X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  fingerprintOfDer,
  fingerprintOfPem,
  isLoopbackHost,
  isThisMachine,
  parseFingerprint,
  readEndpointRecord,
  removeEndpointRecord,
  writeEndpointRecord,
} from '../../../protocol/tls-files.js'
import { generateSelfSignedCertificate } from '../../../manager/tls-certificate.js'

const homes: string[] = []
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true })
})
function home(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'argon-tls-unit-'))
  homes.push(dir)
  return { ARGON_HOME: dir }
}

describe('fingerprints', () => {
  it('reads every way people write a SHA-256 fingerprint as the same one', () => {
    for (let round = 0; round < 50; round++) {
      const hex = randomBytes(32).toString('hex')
      for (const prefix of ['sha256:', 'SHA256:', 'sha-256:', '']) {
        for (const upper of [false, true]) {
          for (const colons of [false, true]) {
            let body = upper ? hex.toUpperCase() : hex
            if (colons) body = body.match(/../g)!.join(':')
            expect(parseFingerprint(`  ${prefix}${body} `)).toBe(`sha256:${hex}`)
          }
        }
      }
    }
  })

  it('refuses what is not one, naming it', () => {
    for (const bad of [
      '',
      'sha256:',
      'sha256:abc',
      `sha1:${'a'.repeat(64)}`,
      `sha256:${'g'.repeat(64)}`,
      `sha256:${'a'.repeat(65)}`,
    ]) {
      expect(() => parseFingerprint(bad)).toThrow(TypeError)
    }
    expect(() => parseFingerprint('sha256:abc')).toThrow(/not a SHA-256 fingerprint/)
  })

  it('is the SHA-256 of the DER certificate, as openssl and Node print it', async () => {
    const { cert } = await generateSelfSignedCertificate({ dns: ['localhost'], ips: ['127.0.0.1'] })
    const x509 = new X509Certificate(cert)
    expect(fingerprintOfPem(cert)).toBe(`sha256:${createHash('sha256').update(x509.raw).digest('hex')}`)
    expect(fingerprintOfPem(cert)).toBe(parseFingerprint(x509.fingerprint256))
    expect(fingerprintOfDer(x509.raw)).toBe(fingerprintOfPem(cert))
    expect(() => fingerprintOfPem('not a certificate')).toThrow(TypeError)
  })
})

describe('endpoint records', () => {
  it('round-trip per port, and are removed only by the manager that wrote them', () => {
    const env = home()
    const fingerprint = parseFingerprint('a'.repeat(64))
    writeEndpointRecord({ port: 8000, tls: true, fingerprint }, env)
    writeEndpointRecord({ port: 8001, tls: false }, env)
    expect(readEndpointRecord(8000, env)).toEqual({ port: 8000, tls: true, fingerprint })
    expect(readEndpointRecord(8001, env)).toEqual({ port: 8001, tls: false })
    expect(readEndpointRecord(8002, env)).toBeUndefined()

    // A newer manager on the same port replaced the record: the older one's close leaves it.
    writeEndpointRecord({ port: 8001, tls: true, fingerprint }, env)
    removeEndpointRecord({ port: 8001, tls: false }, env)
    expect(readEndpointRecord(8001, env)?.tls).toBe(true)
    removeEndpointRecord({ port: 8001, tls: true, fingerprint }, env)
    expect(readEndpointRecord(8001, env)).toBeUndefined()
  })
})

describe('host checks', () => {
  it('knows loopback and this machine', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true)
    for (const host of ['0.0.0.0', '10.0.0.1', 'example.org', '::']) expect(isLoopbackHost(host)).toBe(false)
    expect(isThisMachine('127.0.0.1')).toBe(true)
    expect(isThisMachine('0.0.0.0')).toBe(true)
    expect(isThisMachine('192.0.2.77')).toBe(false)
  })
})
