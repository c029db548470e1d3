import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_TASK_PAYLOAD_BYTES, readOrCreateTokenFile } from '../protocol/index.js'
import { isLoopbackHost } from '../protocol/tls-files.js'
import type { ManagerOptions } from './create-manager.js'
import { createLogger, silentLogger, type Logger } from './logger.js'
import { DEFAULT_STRATEGY, strategies, type SchedulingStrategy } from './scheduling/index.js'

/** Default of `nodeTimeoutMs` (`--node-timeout`). */
export const DEFAULT_NODE_TIMEOUT_MS = 6000

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
