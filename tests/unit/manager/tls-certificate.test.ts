import { X509Certificate, createPrivateKey } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  generateSelfSignedCertificate,
  loadManagerCertificate,
  machineNames,
} from '../../../manager/tls-certificate.js'
import { managerCertificatePaths } from '../../../protocol/tls-files.js'

const homes: string[] = []
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function home(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'argon-cert-unit-'))
  homes.push(dir)
  return { ARGON_HOME: dir }
}

describe('the self-signed certificate', () => {
  it('names every host name and address given, is its own CA and matches its key', async () => {
    const { cert, key } = await generateSelfSignedCertificate({
      dns: ['localhost', 'mgrhost'],
      ips: ['127.0.0.1', '::1', '192.0.2.5'],
    })
    const x509 = new X509Certificate(cert)
    expect(x509.subjectAltName).toContain('DNS:mgrhost')
    expect(x509.subjectAltName).toContain('IP Address:192.0.2.5')
    expect(x509.checkHost('mgrhost')).toBe('mgrhost')
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(x509.ca).toBe(true)
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true)
    expect(x509.verify(x509.publicKey)).toBe(true)
    expect(Date.parse(x509.validTo) - Date.now()).toBeGreaterThan(5 * 365 * 86_400_000)
  })

  it('covers this machine: localhost, loopback and every interface address', () => {
    const names = machineNames()
    expect(names.dns).toContain('localhost')
    expect(names.ips).toEqual(expect.arrayContaining(['127.0.0.1', '::1']))
  })
})

describe('loadManagerCertificate', () => {
  it('generates once, keeps the key private, and serves the same certificate on the next start', async () => {
    const env = home()
    const first = await loadManagerCertificate(undefined, env)
    expect(first.origin).toBe('generated')
    const paths = managerCertificatePaths(env)
    expect(first.certFile).toBe(paths.cert)
    expect(statSync(paths.key).mode & 0o077).toBe(0)

    const second = await loadManagerCertificate(undefined, env)
    expect(second.origin).toBe('stored')
    expect(second.fingerprint).toBe(first.fingerprint)
    expect(second.cert).toBe(first.cert)
  })

  it('replaces a stored pair that is broken or expired', async () => {
    const env = home()
    const first = await loadManagerCertificate(undefined, env)
    const paths = managerCertificatePaths(env)

    // A key that does not belong to the certificate.
    writeFileSync(paths.key, (await generateSelfSignedCertificate({ dns: ['localhost'], ips: [] })).key)
    const replaced = await loadManagerCertificate(undefined, env)
    expect(replaced.origin).toBe('generated')
    expect(replaced.fingerprint).not.toBe(first.fingerprint)

    // An expired one.
    const expired = await generateSelfSignedCertificate({ dns: ['localhost'], ips: [] }, -1)
    writeFileSync(paths.cert, expired.cert)
    writeFileSync(paths.key, expired.key)
    expect((await loadManagerCertificate(undefined, env)).origin).toBe('generated')
  })

  it('refuses to serve a generated certificate it cannot keep (its fingerprint would change on every start)', async () => {
    const env = home()
    // A file where the tls folder should be: the folder cannot be made, as on a read-only home.
    writeFileSync(join(env.ARGON_HOME!, 'tls'), '')
    await expect(loadManagerCertificate(undefined, env)).rejects.toThrow(
      /cannot keep a generated TLS certificate .*--tls-cert and --tls-key.*--no-tls/,
    )
  })

  it('serves a given pair as it is, writing nothing', async () => {
    const env = home()
    const given = await generateSelfSignedCertificate({ dns: ['localhost'], ips: [] })
    const loaded = await loadManagerCertificate({ cert: Buffer.from(given.cert), key: given.key }, env)
    expect(loaded.origin).toBe('given')
    expect(loaded.cert).toBe(given.cert)
    expect(() => statSync(managerCertificatePaths(env).cert)).toThrow()
  })
})
