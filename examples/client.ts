import { fileURLToPath } from 'node:url'
import { Client, TaskError } from 'argon-cluster'

// The manager at $ARGON_MANAGER (default 127.0.0.1:8000); the token from $ARGON_TOKEN, else the
// token file the manager shares with everything on its machine.
const client = new Client()
try {
  const sum = await client.process((x: number, y: number) => x + y, [4, 7])
  console.log('sum:', sum) // 11

  const deferred = client.defer((x: number, y: number) => x + y, [4, 7]) // starts now
  console.log('finished yet:', deferred.isFinished()) // false until the result is in
  console.log('deferred:', await deferred()) // 11

  // The function travels as source: inner functions are fine, closure variables are not
  // (pass them as arguments).
  const squares = await client.map(
    (x: number) => {
      const square = (v: number) => v * v
      return square(x)
    },
    [[1], [2], [3]],
    { concurrency: 100, onProgress: (done, total) => console.log(`map: ${done}/${total}`) },
  )
  console.log('squares:', squares) // [ 1, 4, 9 ]

  // Code that lives on the workers: a named export of a module they can import.
  const tasks = fileURLToPath(new URL('./tasks.mjs', import.meta.url))
  console.log('fib:', await client.process({ module: tasks, export: 'fib' }, [20])) // 6765

  try {
    await client.process(
      (name: string) => {
        throw new Error(`no such user: ${name}`)
      },
      ['ada'],
    )
  } catch (error) {
    if (!(error instanceof TaskError)) throw error
    console.log(`task failed on ${error.node}: ${error.message}`) // no such user: ada
  }

  const status = await client.status()
  console.log(
    `nodes: ${status.nodes.length}, queued: ${status.queued} (limit ${status.queueLimit ?? 'none'}), running: ${status.running}`,
  )
} finally {
  await client.close() // the open connection would keep the program running
}
