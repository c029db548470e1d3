/** `host` as it goes before `:port` in a URL or an address: an IPv6 address in brackets. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/** Parses `HOST:PORT` (or `[v6]:PORT`, or a bare `HOST` with a default port). Throws a TypeError naming the problem. */
export function parseAddress(value: string, defaultPort?: number): { host: string; port: number } {
  const text = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  let host: string | undefined
  let portText: string | undefined
  if (bracketed) {
    host = bracketed[1]
    portText = bracketed[2]
  } else {
    const parts = text.split(':')
    if (parts.length > 2) throw new TypeError(`"${value}" is not HOST:PORT`)
    host = parts[0]
    portText = parts[1]
  }
  if (!host || !/^[A-Za-z0-9._:-]+$/.test(host)) throw new TypeError(`"${value}" is not HOST:PORT (bad host)`)
  if (portText === undefined) {
    if (defaultPort === undefined) throw new TypeError(`"${value}" is not HOST:PORT (no port)`)
    return { host, port: defaultPort }
  }
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
    throw new TypeError(`"${value}" is not HOST:PORT (port must be 1..65535)`)
  return { host, port }
}
