import {
  isLoopbackHost,
  removeEndpointRecord,
  writeEndpointRecord,
  type EndpointRecord,
} from '../protocol/tls-files.js'
import type { Logger } from './logger.js'
import type { ManagerCertificate } from './tls-certificate.js'

/**
 * Makes a manager that now listens known: logs where (and about its certificate, or the lack of
 * TLS beyond loopback), and writes the endpoint record that local agents, clients and commands
 * read to know to use TLS and which certificate to pin. Returns what withdraws the record at close.
 *
 * @example
 * ```ts
 * const withdraw = publishEndpoint(log, { host: '0.0.0.0', port: 8000, tls: true, certificate })
 * // … at close:
 * withdraw()
 * ```
 */
export function publishEndpoint(
  log: Logger,
  endpoint: { host: string; port: number; tls: boolean; certificate: ManagerCertificate | undefined },
): () => void {
  const { host, port, tls, certificate } = endpoint
  log.info({ host, port, tls, fingerprint: certificate?.fingerprint }, 'manager listening')
  if (certificate?.origin === 'generated')
    log.info(
      { certFile: certificate.certFile, fingerprint: certificate.fingerprint },
      'generated a self-signed TLS certificate (kept for the next start)',
    )
  if (!tls && !isLoopbackHost(host)) {
    log.warn(
      { host, port },
      'TLS is off while listening beyond loopback: the token and every task cross the network in clear (drop --no-tls to serve TLS)',
    )
  }
  const record: EndpointRecord = certificate
    ? { port, tls: true, fingerprint: certificate.fingerprint }
    : { port, tls: false }
  try {
    writeEndpointRecord(record)
  } catch (error) {
    log.warn(
      { error: (error as Error).message },
      'cannot publish the endpoint record in $ARGON_HOME; local programs will need --fingerprint',
    )
  }
  return () => {
    try {
      removeEndpointRecord(record)
    } catch {
      // Leaving a record behind only costs a local program one clear failure.
    }
  }
}
