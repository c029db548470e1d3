/**
 * The manager's TLS certificate: the one the operator gives, or a self-signed one generated once
 * and kept in `$ARGON_HOME/tls` so its fingerprint (what agents pin) survives restarts.
 */
import * as x509 from '@peculiar/x509'
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { fingerprintOfPem, localAddresses, managerCertificatePaths, type Fingerprint } from '../protocol/tls-files.js'

export interface ManagerCertificate {
  cert: string
  key: string
  fingerprint: Fingerprint
  /** Where it came from: 'given', 'stored' (generated earlier) or 'generated' (just now). */
  origin: 'given' | 'stored' | 'generated'
  /** The file it is kept in, for a generated or stored one. */
  certFile: string | undefined
}

/** A generated certificate is valid this long; it is replaced (new fingerprint) only once it has expired. */
const VALIDITY_DAYS = 3650

/**
 * The certificate to serve: `given` (PEM texts) when present, else the stored one, else a new
 * self-signed one, stored for the next start.
 *
 * @example
 * ```ts
 * const { cert, key, fingerprint } = await loadManagerCertificate()
 * https.createServer({ cert, key })
 * ```
 */
export async function loadManagerCertificate(
  given?: { cert: string | Buffer; key: string | Buffer },
  env: NodeJS.ProcessEnv = process.env,
): Promise<ManagerCertificate> {
  if (given) {
    const cert = given.cert.toString()
    return {
      cert,
      key: given.key.toString(),
      fingerprint: fingerprintOfPem(cert),
      origin: 'given',
      certFile: undefined,
    }
  }
  const paths = managerCertificatePaths(env)
  const stored = readStored(paths)
  if (stored) return { ...stored, origin: 'stored', certFile: paths.cert }
  const generated = await generateSelfSignedCertificate(machineNames())
  try {
    mkdirSync(dirname(paths.cert), { recursive: true, mode: 0o700 })
    // Key first, each written whole then renamed, so a reader never sees half a pair.
    writeAtomically(paths.key, generated.key, 0o600)
    writeAtomically(paths.cert, generated.cert, 0o644)
  } catch (error) {
    // A certificate that changes on every start would lock out every agent that pinned it.
    throw new Error(
      `cannot keep a generated TLS certificate in ${dirname(paths.cert)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ` +
        'give one with --tls-cert and --tls-key, make $ARGON_HOME writable, or serve plain HTTP with --no-tls',
    )
  }
  return { ...generated, fingerprint: fingerprintOfPem(generated.cert), origin: 'generated', certFile: paths.cert }
}

function readStored(paths: {
  cert: string
  key: string
}): { cert: string; key: string; fingerprint: Fingerprint } | undefined {
  try {
    const cert = readFileSync(paths.cert, 'utf8')
    const key = readFileSync(paths.key, 'utf8')
    const parsed = new X509Certificate(cert)
    if (Date.parse(parsed.validTo) <= Date.now()) return undefined
    if (!parsed.checkPrivateKey(createPrivateKey(key))) return undefined
    return { cert, key, fingerprint: fingerprintOfPem(cert) }
  } catch {
    return undefined
  }
}

function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode })
  chmodSync(temporary, mode)
  renameSync(temporary, path)
}

/** Names and addresses this machine answers to, for the certificate's subject alternative names. */
export function machineNames(): { dns: string[]; ips: string[] } {
  const dns = [...new Set(['localhost', hostname()].filter((name) => /^[A-Za-z0-9.-]+$/.test(name)))]
  const ips = [...new Set(['127.0.0.1', '::1', ...localAddresses().map((address) => address.replace(/%.*$/, ''))])]
  return { dns, ips }
}

/**
 * A self-signed ECDSA P-256 certificate for `names` (usable as its own CA, so `--ca cert.pem`
 * works as well as pinning its fingerprint).
 */
export async function generateSelfSignedCertificate(
  names: { dns: string[]; ips: string[] },
  validityDays = VALIDITY_DAYS,
): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])
  const notBefore = new Date(Date.now() - 60_000)
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=Argon manager on ${hostname().replace(/[,+="<>#;\\]/g, '-') || 'this machine'}`,
      notBefore,
      notAfter: new Date(notBefore.getTime() + validityDays * 86_400_000),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...names.dns.map((value) => ({ type: 'dns' as const, value })),
          ...names.ips.map((value) => ({ type: 'ip' as const, value })),
        ]),
      ],
    },
    webcrypto,
  )
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)
  return { cert: certificate.toString('pem') + '\n', key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n' }
}
