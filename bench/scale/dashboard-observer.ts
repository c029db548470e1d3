/**
 * What a dashboard receives at scale: one `/control` connection, as the browser makes it (JSON
 * Socket.IO over a WebSocket), counting updates and their size, and timing how long an
 * operator's drain and a lost node take to show.
 *
 *   node dashboard-observer.js HOST PORT TOKEN
 */
import { io, type Socket } from 'socket.io-client'
import {
  NAMESPACES,
  PROTOCOL_VERSION,
  SOCKET_PATHS,
  type ControlToManagerEvents,
  type DashboardUpdate,
  type ManagerToControlEvents,
  type NodeStatus,
  type Reply,
} from '../../protocol/index.js'
import { say, serveLines } from './line-channel.js'

const [host = '127.0.0.1', port = '8000', token = ''] = process.argv.slice(2)

interface Seen {
  at: number
  bytes: number
  update: DashboardUpdate
}

const socket: Socket<ManagerToControlEvents, ControlToManagerEvents> = io(
  `http://${host}:${port}${NAMESPACES.control}`,
  {
    path: SOCKET_PATHS.control,
    auth: { token, protocol: PROTOCOL_VERSION },
    transports: ['websocket'],
  },
)
const seen: Seen[] = []
const watchers = new Set<(entry: Seen) => void>()
socket.on('dashboard:update', (update) => {
  // The JSON text is what crosses the wire (plus a few bytes of Socket.IO framing).
  const entry = { at: Date.now(), bytes: JSON.stringify(update).length, update }
  seen.push(entry)
  if (seen.length > 2000) seen.splice(0, 1000)
  for (const watch of watchers) watch(entry)
})

/** Resolves with the time of the first update (from now on) for which `check` holds. */
function firstUpdate(check: (update: DashboardUpdate) => boolean, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watchers.delete(watch)
      reject(new Error(`no such dashboard update within ${timeoutMs} ms`))
    }, timeoutMs)
    const watch = (entry: Seen) => {
      if (!check(entry.update)) return
      clearTimeout(timer)
      watchers.delete(watch)
      resolve(entry.at)
    }
    watchers.add(watch)
  })
}

const stateOf = (update: DashboardUpdate, name: string) => update.status.nodes.find((node) => node.name === name)?.state

serveLines({
  /** The first update (the snapshot a dashboard gets when it opens). */
  snapshot: () => {
    const first = seen[0]
    return first ? { bytes: first.bytes, nodes: first.update.status.nodes.length } : null
  },
  /** Updates received over the next `seconds`. */
  window: async (request) => {
    const from = Date.now()
    await new Promise((resolve) => setTimeout(resolve, Number(request.seconds) * 1000))
    const inWindow = seen.filter((entry) => entry.at >= from)
    const bytes = inWindow.map((entry) => entry.bytes)
    const last = inWindow.at(-1)?.update
    const events: Record<string, number> = {}
    for (const entry of inWindow)
      for (const event of entry.update.events) events[event.kind] = (events[event.kind] ?? 0) + 1
    return {
      events,
      updates: inWindow.length,
      perSecond: inWindow.length / ((Date.now() - from) / 1000),
      meanBytes: bytes.length ? bytes.reduce((sum, value) => sum + value, 0) / bytes.length : 0,
      maxBytes: Math.max(0, ...bytes),
      nodes: last?.status.nodes.length ?? 0,
      active: last?.status.nodes.filter((node) => node.state === 'active').length ?? 0,
      clients: last?.status.clients ?? 0,
    }
  },
  /** Drains `name` as the dashboard's button does; times the answer and the card's change. */
  drain: async (request) => {
    const name = String(request.name)
    const started = Date.now()
    const shown = firstUpdate((update) => stateOf(update, name) === 'draining', 30_000)
    // socket.io's timeout() types the ack's reply as any; the event map says what it is.
    const reply = (await socket.timeout(30_000).emitWithAck('node:drain', { name })) as Reply<NodeStatus>
    const ackAt = Date.now()
    if (!reply.ok) throw new Error(`drain refused: ${reply.error.code}`)
    return { ackMs: ackAt - started, shownMs: (await shown) - started }
  },
  resume: async (request) => {
    const reply = (await socket
      .timeout(30_000)
      .emitWithAck('node:resume', { name: String(request.name) })) as Reply<NodeStatus>
    return reply.ok
  },
  /** When (epoch ms) an update first shows node `name` in `state`, waiting up to `timeoutMs`. */
  waitState: async (request) => {
    const name = String(request.name)
    const state = String(request.state)
    const last = seen.at(-1)
    if (last && stateOf(last.update, name) === state) return last.at
    return firstUpdate((update) => stateOf(update, name) === state, Number(request.timeoutMs ?? 120_000))
  },
  close: () => {
    socket.disconnect()
    return null
  },
})
socket.on('connect', () => say({ event: 'ready' }))
