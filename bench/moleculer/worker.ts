/**
 * One Moleculer worker broker in its own process. Its `bench.run` action receives the function
 * source and the arguments, as Argon's workers do, compiles each source once and calls it.
 *
 * Usage: node worker.js NODE_ID
 */
import moleculer from 'moleculer'
import { brokerOptions, SERVICE } from './broker-options.js'

type Task = (...args: unknown[]) => unknown

const nodeID = process.argv[2] ?? 'bench-worker'
const compiled = new Map<string, Task>()

const broker = new moleculer.ServiceBroker(brokerOptions(nodeID, []))
broker.createService({
  name: SERVICE,
  actions: {
    run(ctx: moleculer.Context<{ source: string; args: unknown[] }>): unknown {
      const { source, args } = ctx.params
      let fn = compiled.get(source)
      if (fn === undefined) {
        // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- the reference rebuilds the task from its source as Argon's child does
        fn = new Function(`return (${source})`)() as Task
        compiled.set(source, fn)
      }
      return fn(...args)
    },
  },
})

await broker.start()
// The transporter picked a free port (port 0); the registry's local node knows which.
const port = (broker.registry as unknown as { nodes: { localNode: { port: number } } }).nodes.localNode.port
console.log(`moleculer-worker ${nodeID} listening on ${port}`)
