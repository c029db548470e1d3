/**
 * Many real `Client`s in one process for the scale benchmark: they connect and stay connected;
 * on request, some of them call `(x) => x + 1` in closed loops (one call in flight each) for a
 * while, and the process reports every call's latency.
 *
 *   node client-swarm.js HOST PORT TOKEN COUNT
 */
import { Client } from '../../client/index.js'
import { say, serveLines } from './line-channel.js'

const [host = '127.0.0.1', port = '8000', token = '', countText = '1'] = process.argv.slice(2)
const clients = Array.from(
  { length: Number(countText) },
  () => new Client({ host, port: Number(port), token, connectTimeout: 120_000 }),
)

const increment = (x: number) => x + 1

serveLines({
  /** Waits until every client has connected (a status round trip each). */
  connect: async () => {
    const started = Date.now()
    await Promise.all(clients.map((client) => client.status()))
    return { ms: Date.now() - started }
  },
  /** `active` clients each run calls back to back for `seconds`; returns latencies (ms). */
  load: async (request) => {
    const active = clients.slice(0, Number(request.active))
    const until = Date.now() + Number(request.seconds) * 1000
    const latencies: number[] = []
    let wrong = 0
    let failed = 0
    const failures: Record<string, number> = {}
    await Promise.all(
      active.map(async (client, index) => {
        let x = index
        while (Date.now() < until) {
          const started = performance.now()
          try {
            const value = await client.process(increment, [x])
            latencies.push(performance.now() - started)
            if (value !== x + 1) wrong++
          } catch (error) {
            failed++
            const code = String((error as { code?: unknown }).code)
            failures[code] = (failures[code] ?? 0) + 1
          }
          x++
        }
      }),
    )
    return { latencies: latencies.map((ms) => Math.round(ms * 100) / 100), wrong, failed, failures }
  },
  close: async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)))
    return null
  },
})
say({ event: 'ready' })
