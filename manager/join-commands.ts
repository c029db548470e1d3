import { networkInterfaces } from 'node:os'
import { formatHost } from '../protocol/index.js'

/**
 * `ARGON_TOKEN=… node-agent --join ADDRESS:PORT [--fingerprint sha256:…]` for each address an agent
 * on another machine could use to reach a manager bound to `host` (the token travels in the
 * environment, never in the agent's argv).
 *
 * @example
 * ```ts
 * joinCommands('10.0.0.5', 8000, 'secret', undefined)   // ['ARGON_TOKEN=secret node-agent --join 10.0.0.5:8000']
 * ```
 */
export function joinCommands(host: string, port: number, token: string, fingerprint: string | undefined): string[] {
  return joinAddresses(host).map(
    (address) =>
      `ARGON_TOKEN=${shellQuote(token)} node-agent --join ${address}:${port}${fingerprint ? ` --fingerprint ${fingerprint}` : ''}`,
  )
}

/** Quotes `value` for a POSIX shell when it holds anything but safe characters. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.:\/@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}

/** Addresses an agent on another machine could use to reach a manager bound to `host`. */
function joinAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [formatHost(host)]
  const addresses: string[] = []
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) addresses.push(info.address)
  }
  addresses.push('127.0.0.1')
  return addresses
}
