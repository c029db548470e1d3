/**
 * Simulated nodes for the scale benchmark: each speaks the node protocol over its own Socket.IO
 * connection exactly as a `node-agent` does (handshake, heartbeats every second, batched
 * outcomes, work stealing), but "runs" a task in this process: it answers `(x) => x + 1` tasks with x + 1 after
 * `taskMs`, one at a time per node (one worker). Many of them fit in one process, which is how a
 * few hundred nodes fit on one machine beside real agents.
 *
 *   node sim-nodes.js HOST PORT TOKEN COUNT PREFIX TASK_MS
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { io, type Socket } from 'socket.io-client'
import {
  FrameBatcher,
  FunctionRegistry,
  NAMESPACES,
  PROTOCOL_VERSION,
  SOCKET_PATHS,
  machineUpgradeHeaders,
  nodeOutcomeFrameOf,
  readTaskFrame,
  type ManagerToNodeEvents,
  type NodeHandshake,
  type NodeTaskOutcome,
  type NodeToManagerEvents,
} from '../../protocol/index.js'
import { packetCodec } from '../../protocol/packet-codec.js'
import { decodeValue, encodeValue } from '../../protocol/structured-bytes.js'
import { say, serveLines } from './line-channel.js'

const [host = '127.0.0.1', port = '8000', token = '', countText = '1', prefix = 'sim', taskMsText = '1'] =
  process.argv.slice(2)
const count = Number(countText)
const taskMs = Number(taskMsText)
const startedAt = Date.now()

class SimulatedNode {
  readonly #socket: Socket<ManagerToNodeEvents, NodeToManagerEvents>
  readonly #outcomes: FrameBatcher<NodeTaskOutcome>
  readonly #waiting: { id: string; attempt: number; args: Uint8Array }[] = []
  readonly #functions = new FunctionRegistry()
  #running = false
  connected = false

  constructor(readonly name: string) {
    this.#socket = io(`http://${host}:${port}${NAMESPACES.node}`, {
      path: SOCKET_PATHS.machine,
      parser: packetCodec,
      transports: ['websocket'],
      forceNew: true,
      auth: {
        token,
        protocol: PROTOCOL_VERSION,
        nodeId: randomUUID(),
        nodeSecret: randomBytes(24).toString('base64url'),
        name,
        nameChosen: true,
        host: `${prefix}-host`,
        workers: 1,
        pid: process.pid,
        version: 'simulated',
      } satisfies NodeHandshake,
      extraHeaders: machineUpgradeHeaders(token),
      reconnectionDelay: 250,
      reconnectionDelayMax: 5000,
    })
    this.#outcomes = new FrameBatcher((outcomes) => this.#socket.emit('task:settled', nodeOutcomeFrameOf(outcomes)))
    this.#socket.on('connect', () => {
      // A new connection: the manager numbers its functions afresh.
      this.#functions.clear()
      this.connected = true
      // As a real agent does: the first heartbeat at once (a node gets work from then on).
      this.heartbeat()
      say({ event: 'node-connected', name })
    })
    this.#socket.on('disconnect', () => {
      this.connected = false
      // The manager re-queued what we held; what runs now is dropped as late when it arrives.
      this.#waiting.length = 0
    })
    this.#socket.on('task:run', (input) => {
      const frame = readTaskFrame(input, this.#functions)
      if (!frame.ok) return
      for (let i = 0; i < frame.count; i++) {
        this.#waiting.push({
          id: frame.ids[i]!,
          attempt: frame.attempts[i]!,
          args: frame.bytes.subarray(frame.offsets[i], frame.offsets[i + 1]),
        })
      }
      this.#next()
    })
    // Work stealing: hand back unstarted tasks from the end of the line (always answered).
    this.#socket.on('task:steal', (request) => {
      const count = Math.min(request.count, this.#waiting.length)
      const returned = this.#waiting.splice(this.#waiting.length - count, count)
      this.#socket.emit(
        'task:returned',
        returned.map((task) => task.id),
      )
    })
  }

  heartbeat(): void {
    if (!this.connected) return
    this.#socket.emit('node:heartbeat', {
      busy: this.#running ? 1 : 0,
      workerBusy: [this.#running],
      cpu: 0,
      memoryBytes: 0,
      uptimeSeconds: (Date.now() - startedAt) / 1000,
    })
  }

  #next(): void {
    if (this.#running) return
    const task = this.#waiting.shift()
    if (!task) return
    this.#running = true
    const finish = () => {
      this.#running = false
      const [x] = decodeValue(task.args) as [number]
      this.#outcomes.push({ id: task.id, attempt: task.attempt, ok: true, result: encodeValue(x + 1), ms: taskMs })
      this.#next()
    }
    if (taskMs > 0) setTimeout(finish, taskMs)
    else queueMicrotask(finish)
  }

  close(): void {
    this.#socket.disconnect()
  }
}

const nodes = Array.from(
  { length: count },
  (_, index) => new SimulatedNode(`${prefix}-${String(index + 1).padStart(3, '0')}`),
)
setInterval(() => {
  for (const node of nodes) node.heartbeat()
}, 1000)

serveLines({
  connected: () => nodes.filter((node) => node.connected).length,
  close: () => {
    for (const node of nodes) node.close()
    return null
  },
})
say({ event: 'ready' })
