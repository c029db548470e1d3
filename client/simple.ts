import { parseAddress } from '../protocol/index.js'
import { Client, type ClientOptions } from './client.js'
import type { Deferred } from './deferred.js'
import { ArgonError } from '../protocol/argon-error.js'

let current: Client | null = null

/**
 * The seed's Argon::Simple: one manager for the whole program (`address` defaults to
 * ARGON_MANAGER, else 127.0.0.1:8000; the token to ARGON_TOKEN, else the local token file).
 * Call `disconnect()` when done, or the open connection keeps the program running.
 *
 * @example
 * ```ts
 * import { connect, run } from 'argon-cluster/simple'
 * connect('10.0.0.5:8000', { token: process.env.ARGON_TOKEN })
 * const result = run((a: number, b: number) => a * b, 4, 7)
 * console.log(await result())                      // 28
 * const [value, isFinished] = run((a: number, b: number) => a * b, 4, 7).pair   // typed by position
 * await disconnect()
 * ```
 */
export function connect(
  address: string = process.env.ARGON_MANAGER ?? '127.0.0.1:8000',
  options: Omit<ClientOptions, 'host' | 'port'> = {},
): Client {
  const { host, port } = parseAddress(address, 8000)
  void current?.close()
  current = new Client({ ...options, host, port })
  return current
}

/**
 * Starts `fn(...args)` on the cluster `connect` named. Returns a deferred: `await result()` gives
 * the value; `result.pair` (or, in JavaScript, the deferred itself) destructures as the seed's list
 * form `[deferred, isFinished]`. (`process` would shadow Node's global, hence `run`.)
 */
export function run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Deferred<Awaited<R>> {
  if (!current) throw new ArgonError('BAD_REQUEST', 'call connect("host:port") before run()')
  return current.defer(fn, args)
}

/** Closes the connection `connect` opened. */
export async function disconnect(): Promise<void> {
  const client = current
  current = null
  await client?.close()
}
