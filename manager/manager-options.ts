import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_TASK_PAYLOAD_BYTES, readOrCreateTokenFile } from '../protocol/index.js'
import { isLoopbackHost } from '../protocol/tls-files.js'
import { createLogger, silentLogger, type Logger } from './logger.js'
import { DEFAULT_STRATEGY, strategies, type SchedulingStrategy } from './scheduling/index.js'
import type { TaskHistoryLimits } from './task-history.js'

/** Default of `nodeTimeoutMs` (`--node-timeout`). */
export const DEFAULT_NODE_TIMEOUT_MS = 6000

/** Options of `createManager`. */
export interface ManagerOptions {
  /** Interface to listen on. @default '0.0.0.0' */
  host?: string
  /** Port to listen on; 0 picks a free one. @default 8000 */
  port?: number
  /** Shared secret. @default ARGON_TOKEN, else the token file ($ARGON_HOME/token), created if absent */
  token?: string
  /** Most waiting tasks; beyond it submissions get QUEUE_FULL. null = unbounded. @default null */
  queueSize?: number | null
  /** Dispatches a task may have before a lost worker fails it with WORKER_LOST. @default 3 */
  maxAttempts?: number
  /** Largest serialized argument list of one task, bytes (at most what one frame can carry, 63 MiB). @default 16 MiB */
  maxPayloadBytes?: number
  /** Scheduling strategy name. @default 'least-completion-time' */
  strategy?: string
  /** Serve the dashboard at `/` (true: the built one shipped in the package; a string: that folder). @default true */
  dashboard?: boolean | string
  /** How long answers wait for a disconnected client, ms. @default 60000 */
  resultRetentionMs?: number
  /**
   * A node that sends nothing (no heartbeat — agents send one a second — and no answer) for this
   * long is treated as lost: its tasks run elsewhere. Raise it where one task's payload takes
   * longer than this to cross the link. @default 6000
   */
  nodeTimeoutMs?: number
  /**
   * How much task history to keep for `argon tasks` and the dashboard: recent tasks of any outcome,
   * and failures in a store of their own. @default 10000 recent / 16 MiB, 2000 failures / 16 MiB
   */
  taskHistory?: Partial<TaskHistoryLimits>
  /** A pino logger, or false for none. @default JSON lines on stderr */
  logger?: Logger | false
  /**
   * Serve HTTPS/WSS only (plain requests get a 497 saying how to connect). Off beyond loopback,
   * the token and every task cross the network in clear, so that logs a warning.
   * @default true when `host` is not a loopback address, false on loopback
   */
  tls?: boolean
  /** The certificate to serve (PEM text; a chain may follow it). @default one generated once and kept in $ARGON_HOME/tls */
  tlsCert?: string | Buffer
  /** The private key of `tlsCert` (PEM text). Required with `tlsCert`. */
  tlsKey?: string | Buffer
}

/** The manager's options checked, with every default filled in. */
export interface ResolvedManagerOptions {
  host: string
  token: string
  log: Logger
  maxAttempts: number
  queueSize: number | null
  maxPayloadBytes: number
  nodeTimeoutMs: number
  makeStrategy: () => SchedulingStrategy
  tls: boolean
  /** The operator's certificate and key, when given. */
  certificate: { cert: string | Buffer; key: string | Buffer } | undefined
}

/**
 * Checks the options up front, with exact messages (a TypeError naming the option), and fills in
 * the defaults documented on ManagerOptions.
 */
export function resolveManagerOptions(options: ManagerOptions): ResolvedManagerOptions {
  const host = options.host ?? '0.0.0.0'
  const token = options.token ?? (process.env.ARGON_TOKEN || readOrCreateTokenFile())
  const log = options.logger === false ? silentLogger() : (options.logger ?? createLogger('argon-manager'))
  const maxAttempts = options.maxAttempts ?? 3
  const queueSize = options.queueSize ?? null
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new TypeError('options.maxAttempts must be a positive integer')
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1 || maxPayloadBytes > MAX_TASK_PAYLOAD_BYTES) {
    throw new TypeError(
      `options.maxPayloadBytes must be an integer 1..${MAX_TASK_PAYLOAD_BYTES} (what one frame can carry)`,
    )
  }
  const nodeTimeoutMs = options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS
  if (!Number.isFinite(nodeTimeoutMs) || nodeTimeoutMs < 1000)
    throw new TypeError('options.nodeTimeoutMs must be at least 1000 (ms)')
  if (queueSize !== null && (!Number.isInteger(queueSize) || queueSize < 0))
    throw new TypeError('options.queueSize must be a non-negative integer or null')
  const makeStrategy = strategies[options.strategy ?? DEFAULT_STRATEGY]
  if (!makeStrategy) throw new TypeError(`options.strategy must be one of: ${Object.keys(strategies).join(', ')}`)
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined))
    throw new TypeError('options.tlsCert and options.tlsKey go together')
  const tls = options.tls ?? (options.tlsCert !== undefined || !isLoopbackHost(host))
  if (!tls && options.tlsCert !== undefined) throw new TypeError('options.tlsCert is given but options.tls is false')
  return {
    host,
    token,
    log,
    maxAttempts,
    queueSize,
    maxPayloadBytes,
    nodeTimeoutMs,
    makeStrategy,
    tls,
    certificate: options.tlsCert !== undefined ? { cert: options.tlsCert, key: options.tlsKey! } : undefined,
  }
}
