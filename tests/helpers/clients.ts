/**
 * Clients for tests that run a real cluster (integration and e2e alike): each is closed when its
 * test ends, bounded so that a client whose server is already gone cannot hold up teardown.
 */
import { afterEach } from 'vitest'
import { Client, type ClientOptions } from '../../client/index.js'

const clients = new Set<Client>()

afterEach(async () => {
  const open = [...clients]
  clients.clear()
  await Promise.all(
    open.map((client) =>
      withTimeout(
        Promise.resolve(client.close()).catch(() => undefined),
        5_000,
      ),
    ),
  )
})

/** A Client for `target` (a manager or a stand-alone agent), closed when the test ends. */
export function openClient(target: { port: number; token: string }, options: Partial<ClientOptions> = {}): Client {
  const client = new Client({ host: '127.0.0.1', port: target.port, token: target.token, ...options })
  clients.add(client)
  return client
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * One task that fails (a RangeError, "row 7 is out of range"), then `later` tasks that succeed:
 * a failure to find in the task history under many newer records. Returns the failure and the results.
 */
export async function failureUnderLaterTasks(
  client: Client,
  later: number,
): Promise<{ failure: unknown; results: number[] }> {
  const failure = await client
    .process(
      (row: number) => {
        throw new RangeError(`row ${row} is out of range`)
      },
      [7],
    )
    .then(
      () => null,
      (error: unknown) => error,
    )
  const results = await client.map(
    (x: number) => x + 1,
    Array.from({ length: later }, (_, i) => [i]),
    { concurrency: 500 },
  )
  return { failure, results }
}
