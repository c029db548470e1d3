/**
 * Moleculer 0.14 with its TCP transporter: a caller broker in this process and one worker broker
 * per worker process, each in its own process, on loopback with static URLs (no UDP discovery).
 * The action receives the function source and the arguments, like Argon's tasks.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import moleculer from 'moleculer'
import { spawnNode, type SpawnedProcess } from '../harness/processes.js'
import type { System } from '../harness/system.js'
import { ADD_SOURCE, CPU_SOURCE, ROTATE_SOURCE, type CpuSample } from '../harness/task-functions.js'
import { brokerOptions, SERVICE } from './broker-options.js'

const workerScript = fileURLToPath(new URL('./worker.js', import.meta.url))

/** Creates the Moleculer reference system. */
export function createMoleculer(): System {
  let workers: SpawnedProcess[] = []
  let caller: moleculer.ServiceBroker | undefined

  const run = <T>(source: string, args: unknown[]): Promise<T> =>
    caller!.call<T, { source: string; args: unknown[] }>(`${SERVICE}.run`, { source, args })

  return {
    name: 'Moleculer 0.14 (TCP)',
    description:
      'caller broker (this process) → TCP transporter → worker brokers, one process each; action receives function source + args, compiles once per worker',
    async start(count) {
      const urls: string[] = []
      for (let i = 0; i < count; i++) {
        const nodeID = `bench-worker-${i + 1}`
        const worker = spawnNode(nodeID, workerScript, [nodeID])
        workers.push(worker)
        const port = (await worker.waitFor(/listening on (\d+)/))[1]
        urls.push(`127.0.0.1:${port}/${nodeID}`)
      }
      caller = new moleculer.ServiceBroker({
        ...brokerOptions('bench-caller', urls),
        skipProcessEventRegistration: true,
      })
      await caller.start()
      // Ready once every worker's action is known to the caller (bounded wait on that condition).
      const deadline = Date.now() + 30_000
      for (;;) {
        const ready = caller.registry
          .getServiceList({ onlyAvailable: true, skipInternal: true })
          .filter((service) => service.name === SERVICE).length
        if (ready >= count) break
        if (Date.now() > deadline) throw new Error(`Moleculer: only ${ready} of ${count} workers became available`)
        await sleep(50)
      }
    },
    call: (x, y) => run<number>(ADD_SOURCE, [x, y]),
    cpu10ms: () => run<CpuSample>(CPU_SOURCE, []),
    rotate: (text) => run<string>(ROTATE_SOURCE, [text]),
    // Each worker broker runs its tasks in its own process.
    isWorkerRole: (role) => role.startsWith('bench-worker-'),
    async stop() {
      await caller?.stop()
      caller = undefined
      await Promise.all(workers.map((worker) => worker.stop()))
      workers = []
    },
  }
}
