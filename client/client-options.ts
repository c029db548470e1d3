import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_TASK_PAYLOAD_BYTES,
  parseAddress,
  resolveManagerEndpoint,
  resolveToken,
  type ManagerEndpoint,
  type Priority,
  type TlsTrustOptions,
} from '../protocol/index.js'
import type { TaskOutputOption } from './output-printer.js'

export interface ClientOptions {
  /** Manager (or stand-alone node-agent) host. @default the host of ARGON_MANAGER (`host:port`), else '127.0.0.1' */
  host?: string
  /** @default the port of ARGON_MANAGER, else 8000 */
  port?: number
  /** Shared secret. @default ARGON_TOKEN, else the local token file */
  token?: string
  /** How many times a QUEUE_FULL rejection is retried before the call fails with it. @default 10 */
  retries?: number
  /** First retry delay, ms; doubles each retry, with jitter. @default 100 */
  retryDelay?: number
  /** Longest retry delay, ms. @default 10000 */
  maxRetryDelay?: number
  /** A client that has never connected after this long fails its calls with CONNECTION_FAILED, ms. @default 10000 */
  connectTimeout?: number
  /** Largest serialized argument list sent, bytes (match the manager's --max-payload). @default 16 MiB */
  maxPayloadBytes?: number
  /**
   * Use TLS. @default true when `fingerprint` or `ca` is given, or when a manager on this machine
   * serves TLS on `port` (its fingerprint is then read from $ARGON_HOME); false otherwise
   */
  tls?: boolean
  /** Pin the manager's certificate by its SHA-256 fingerprint (`sha256:…`, printed by the manager). A different certificate fails with TLS_MISMATCH. */
  fingerprint?: string
  /** Verify the manager's certificate against these CA certificates (PEM) instead of the system's. */
  ca?: string | Buffer | (string | Buffer)[]
  /**
   * What tasks write to stdout/stderr on the workers: `'print'` prints it here, each line prefixed
   * with `[node pid]` (stdout to stdout, stderr to stderr); `'ignore'` has the manager send none;
   * a function gets every chunk instead.
   * @default 'print'
   */
  taskOutput?: TaskOutputOption
}

export interface CallOptions {
  /** Fail with TASK_TIMEOUT after this many ms; a running task's child is killed. */
  timeout?: number
  /** Aborting cancels the task (queued: removed; running: its child is killed) with CANCELLED. */
  signal?: AbortSignal
  /** @default 'normal' */
  priority?: Priority
}

export interface MapOptions extends CallOptions {
  /** Most tasks in flight at once. @default 100 */
  concurrency?: number
  /** The name of the job the map runs as (dashboard, `argon jobs`). @default 'map ' + the function's name */
  job?: string
  /** Called after each task with the number done and the total. */
  onProgress?: (done: number, total: number) => void
}

/** A client's options with their defaults filled in and the token resolved. */
export type ClientSettings = Required<Omit<ClientOptions, 'token' | 'taskOutput' | keyof TlsTrustOptions>> & {
  token: string
}

/** What a client runs with: its settings, where its manager is and how to trust it, and what it does with task output. */
export interface ResolvedClientOptions {
  settings: ClientSettings
  endpoint: ManagerEndpoint
  taskOutput: TaskOutputOption
}

/** Fills in the defaults (ARGON_MANAGER, ARGON_TOKEN, the local token file) and checks every option up front. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const fromEnv = process.env.ARGON_MANAGER ? parseAddress(process.env.ARGON_MANAGER, 8000) : undefined
  const settings: ClientSettings = {
    host: options.host ?? fromEnv?.host ?? '127.0.0.1',
    port: options.port ?? fromEnv?.port ?? 8000,
    token: resolveToken(options.token) ?? '',
    retries: options.retries ?? 10,
    retryDelay: options.retryDelay ?? 100,
    maxRetryDelay: options.maxRetryDelay ?? 10_000,
    connectTimeout: options.connectTimeout ?? 10_000,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
  }
  const taskOutput = options.taskOutput ?? 'print'
  if (taskOutput !== 'print' && taskOutput !== 'ignore' && typeof taskOutput !== 'function')
    throw new TypeError("options.taskOutput must be 'print', 'ignore' or a function")
  const { host, port } = settings
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new TypeError('options.port must be an integer 1..65535')
  if (!Number.isInteger(settings.retries) || settings.retries < 0)
    throw new TypeError('options.retries must be a non-negative integer')
  const maxPayload = settings.maxPayloadBytes
  if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > MAX_TASK_PAYLOAD_BYTES) {
    throw new TypeError(
      `options.maxPayloadBytes must be an integer 1..${MAX_TASK_PAYLOAD_BYTES} (what one frame can carry)`,
    )
  }
  const endpoint = resolveManagerEndpoint(host, port, {
    tls: options.tls,
    fingerprint: options.fingerprint,
    ca: options.ca,
  })
  return { settings, endpoint, taskOutput }
}
