/**
 * TLS material every side shares: certificate fingerprints (how agents, clients and commands pin
 * the manager, as `kubeadm join` pins its CA), where the manager keeps its certificate in
 * `$ARGON_HOME`, and the endpoint records that tell local programs whether the manager on a port
 * speaks TLS and with which certificate, so nothing needs typing on one machine.
 */
import { createHash, X509Certificate } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { argonHome } from './token-file.js'

/** `sha256:` and 64 lower-case hex digits: the SHA-256 of a certificate's DER bytes. */
export type Fingerprint = `sha256:${string}`

/** The fingerprint of a certificate given as DER bytes. */
export function fingerprintOfDer(der: Uint8Array): Fingerprint {
  return `sha256:${createHash('sha256').update(der).digest('hex')}`
}

/** The fingerprint of the first certificate in a PEM text. Throws a TypeError when there is none. */
export function fingerprintOfPem(pem: string | Buffer): Fingerprint {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(pem)
  } catch (error) {
    throw new TypeError(`not a PEM certificate: ${(error as Error).message}`)
  }
  return fingerprintOfDer(certificate.raw)
}

/**
 * Reads a fingerprint as people paste it: `sha256:ab12…`, `SHA256:AB:12:…` (openssl's form) or the
 * bare 64 hex digits, with or without colons. Throws a TypeError naming what is wrong.
 *
 * @example
 * ```ts
 * parseFingerprint('sha256:AB:CD:…')   // 'sha256:abcd…'
 * ```
 */
export function parseFingerprint(text: string): Fingerprint {
  const trimmed = text.trim()
  const body = trimmed.replace(/^sha-?256[:=]/i, '').replace(/:/g, '')
  if (!/^[0-9a-f]{64}$/i.test(body))
    throw new TypeError(`"${trimmed.slice(0, 100)}" is not a SHA-256 fingerprint (expected sha256: and 64 hex digits)`)
  return `sha256:${body.toLowerCase()}`
}

/** Where the manager keeps a certificate it generated: `$ARGON_HOME/tls/manager-cert.pem` and `manager-key.pem`. */
export function managerCertificatePaths(env: NodeJS.ProcessEnv = process.env): { cert: string; key: string } {
  const dir = join(argonHome(env), 'tls')
  return { cert: join(dir, 'manager-cert.pem'), key: join(dir, 'manager-key.pem') }
}

/** What a manager on this machine published about one port. */
export interface EndpointRecord {
  port: number
  tls: boolean
  /** The served certificate's fingerprint, when `tls`. */
  fingerprint?: Fingerprint
}

function endpointRecordPath(port: number, env: NodeJS.ProcessEnv): string {
  return join(argonHome(env), 'endpoints', `${port}.json`)
}

/** Publishes how the manager listening on `record.port` is reached (written atomically). */
export function writeEndpointRecord(record: EndpointRecord, env: NodeJS.ProcessEnv = process.env): void {
  const path = endpointRecordPath(record.port, env)
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, JSON.stringify(record) + '\n', { mode: 0o644 })
  renameSync(temporary, path)
}

/** Removes the record for `port` if it still says what `record` says (a newer manager may have replaced it). */
export function removeEndpointRecord(record: EndpointRecord, env: NodeJS.ProcessEnv = process.env): void {
  const current = readEndpointRecord(record.port, env)
  if (current?.tls === record.tls && current.fingerprint === record.fingerprint)
    rmSync(endpointRecordPath(record.port, env), { force: true })
}

/** The record a local manager published for `port`, or undefined when there is none or it is unreadable. */
export function readEndpointRecord(port: number, env: NodeJS.ProcessEnv = process.env): EndpointRecord | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(endpointRecordPath(port, env), 'utf8'))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const fields = parsed as Record<string, unknown>
  if (fields.port !== port || typeof fields.tls !== 'boolean') return undefined
  if (!fields.tls) return { port, tls: false }
  if (typeof fields.fingerprint !== 'string') return undefined
  try {
    return { port, tls: true, fingerprint: parseFingerprint(fields.fingerprint) }
  } catch {
    return undefined
  }
}

/** True for loopback addresses and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare) || bare === '::ffff:127.0.0.1'
}

/** True when `host` names this machine: loopback, its host name, or one of its interface addresses. */
export function isThisMachine(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (isLoopbackHost(bare) || bare === '0.0.0.0' || bare === '::') return true
  if (bare === hostname().toLowerCase()) return true
  return localAddresses().some((address) => address.toLowerCase() === bare)
}

/** Every address of this machine's interfaces (loopback included). */
export function localAddresses(): string[] {
  const addresses: string[] = []
  for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) addresses.push(info.address)
  return addresses
}
