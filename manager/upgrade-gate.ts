import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { PROTOCOL_HEADER, PROTOCOL_VERSION, UPGRADE_REFUSALS, cutText } from '../protocol/index.js'
import { requestToken, tokensMatch } from './auth.js'

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void

export interface UpgradeGateOptions {
  /** Socket.IO path of the machine endpoint: its upgrades must carry the token. */
  machinePath: string
  /** Path of the machine connections' data links: upgrades there carry the token too, and go to `onDataLink`. */
  dataPath: string
  onDataLink: UpgradeListener
  /** Every other path an upgrade may ask for (e.g. the browsers' control path). */
  otherPaths: readonly string[]
  token: string
  /** A refused upgrade, for the log (the caller rate-limits). */
  onRefused: (reason: string, address: string | undefined) => void
}

/**
 * Checks every WebSocket (and data-link) upgrade before Socket.IO sees it. Machine connections must show the
 * token (`Authorization: Bearer …`) and their protocol version in the upgrade request itself, so a
 * stranger is turned away before a WebSocket exists and cannot make the manager buffer a single
 * frame. Upgrades to unknown paths are closed rather than left hanging. Call after the Socket.IO
 * servers are attached: it wraps their upgrade listeners.
 */
export function gateUpgrades(server: Server, options: UpgradeGateOptions): void {
  const listeners = server.listeners('upgrade') as UpgradeListener[]
  server.removeAllListeners('upgrade')
  const machinePrefix = `${options.machinePath}/`
  const dataPrefix = `${options.dataPath}/`
  const otherPrefixes = options.otherPaths.map((path) => `${path}/`)
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = request.url ?? '/'
    const dataLink = url.startsWith(dataPrefix)
    if (dataLink || url.startsWith(machinePrefix)) {
      const protocol = request.headers[PROTOCOL_HEADER]
      if (protocol !== undefined && protocol !== String(PROTOCOL_VERSION)) {
        options.onRefused(`protocol ${cutText(String(protocol), 20)}`, request.socket.remoteAddress)
        return refuse(
          socket,
          426,
          'PROTOCOL_MISMATCH',
          `protocol version ${cutText(String(protocol), 20)} is not supported (this manager speaks ${PROTOCOL_VERSION})`,
        )
      }
      const given = requestToken(request.headers.authorization, new URL(url, 'http://upgrade.invalid'))
      if (!tokensMatch(options.token, given)) {
        options.onRefused(given === undefined ? 'no token' : 'wrong token', request.socket.remoteAddress)
        return refuse(socket, 401, 'UNAUTHORIZED', 'invalid token')
      }
      if (dataLink) return options.onDataLink(request, socket, head)
    } else if (!otherPrefixes.some((prefix) => url.startsWith(prefix))) {
      return refuse(socket, 404, 'NOT_FOUND', 'no WebSocket endpoint here')
    }
    for (const listener of listeners) listener.call(server, request, socket, head)
  })
}

function refuse(socket: Duplex, status: keyof typeof UPGRADE_REFUSALS | 404, code: string, message: string): void {
  const body = JSON.stringify({ code, message })
  const reason = status === 401 ? 'Unauthorized' : status === 426 ? 'Upgrade Required' : 'Not Found'
  socket.on('error', () => undefined)
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  // A peer that never reads the answer must not keep the socket open.
  setTimeout(() => socket.destroy(), 1000).unref()
}
