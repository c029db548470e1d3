import { createManager } from 'argon-cluster/manager'

const manager = await createManager({ host: '127.0.0.1', port: 0, queueSize: 10_000 }) // port 0: any free port
manager.on('event', (event) => console.log(event.kind, event.message)) // node-joined, node-lost, …
console.log(`listening on ${manager.port}; join with: ${manager.joinCommands[0]}`)
await manager.close()
