import { formatHost } from '../protocol/index.js'

/** What a failed listen means for the person who started the program, and what to do next. */
export function describeListenError(error: unknown, host: string, port: number, what: string): string {
  const code = (error as NodeJS.ErrnoException).code
  const where = `${formatHost(host)}:${port}`
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use on ${where} (another ${what}?): use --port N, or stop the other ${what}`
  if (code === 'EACCES')
    return `not allowed to listen on ${where} (ports below 1024 need privileges): use --port N with N ≥ 1024`
  if (code === 'EADDRNOTAVAIL')
    return `${host} is not an address of this machine: use --host with one of its addresses, or 0.0.0.0 for all`
  return (error as Error).message
}
