/**
 * The bare chain: socket.io-client (this process) → relay (Socket.IO server + client) →
 * server (Socket.IO) → forked child. Each hop is a separate process, nothing is validated,
 * queued or batched; arguments and results are plain JSON.
 */
import { fileURLToPath } from 'node:url'
import { io as connect, type Socket } from 'socket.io-client'
import { spawnNode, type SpawnedProcess } from '../harness/processes.js'
import type { System } from '../harness/system.js'
import { ADD_SOURCE, CPU_SOURCE, ROTATE_SOURCE, type CpuSample } from '../harness/task-functions.js'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

/** Creates the bare-chain reference system. */
export function createBareChain(): System {
  let server: SpawnedProcess | undefined
  let relay: SpawnedProcess | undefined
  let socket: Socket | undefined

  const run = <T>(source: string, args: unknown[]): Promise<T> =>
    new Promise<T>((resolve) => {
      socket!.emit('run', { source, args }, resolve)
    })

  return {
    name: 'Bare chain',
    description:
      'socket.io-client → relay (Socket.IO) → server (Socket.IO) → forked child; function source shipped, compiled once per child, JSON args',
    async start(workers) {
      server = spawnNode('bare-server', here('./server.js'), [String(workers)])
      const serverPort = (await server.waitFor(/bare-server listening on (\d+)/))[1]
      relay = spawnNode('bare-relay', here('./relay.js'), [serverPort!])
      const relayPort = (await relay.waitFor(/bare-relay listening on (\d+)/))[1]
      socket = connect(`http://127.0.0.1:${relayPort}`, { transports: ['websocket'] })
      await new Promise<void>((resolve, reject) => {
        socket!.once('connect', resolve)
        socket!.once('connect_error', reject)
      })
    },
    call: (x, y) => run<number>(ADD_SOURCE, [x, y]),
    cpu10ms: () => run<CpuSample>(CPU_SOURCE, []),
    rotate: (text) => run<string>(ROTATE_SOURCE, [text]),
    // The server's forked children run the tasks.
    isWorkerRole: (role) => role === 'bare-server children',
    async stop() {
      socket?.close()
      socket = undefined
      await Promise.all([relay?.stop(), server?.stop()])
      relay = server = undefined
    },
  }
}
