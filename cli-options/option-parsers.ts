import { InvalidArgumentError } from 'commander'
import { nodeNameProblem } from '../protocol/frame-layout.js'
import { parseAddress } from '../protocol/index.js'

/** commander argument parsers: a bad value exits non-zero with a message naming the flag. */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive integer')
  return Number(value)
}

export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer')
  return Number(value)
}

export function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number 0..65535')
  return Number(value)
}

/** A node name: what every frame and handshake accepts (1..MAX_NODE_NAME_CHARS characters). */
export function nodeName(value: string): string {
  const problem = nodeNameProblem(value)
  if (problem !== undefined) throw new InvalidArgumentError(problem)
  return value
}

/** `HOST:PORT`, returned as given after checking it. */
export function address(value: string): string {
  try {
    parseAddress(value)
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
  return value
}

/** Sizes like 1048576, 512k, 16m. */
export function byteSize(value: string): number {
  const match = /^(\d+)([kmg]?)b?$/i.exec(value.trim())
  if (!match) throw new InvalidArgumentError('must be a size such as 1048576, 512k or 16m')
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Number(match[1]) * unit
}

/** Durations like 90s, 15m, 2h, 1d (or plain milliseconds), in ms. */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/i.exec(value.trim())
  if (!match) throw new InvalidArgumentError('must be a duration such as 90s, 15m or 2h')
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    (match[2] ?? 'ms').toLowerCase() as 'ms' | 's' | 'm' | 'h' | 'd'
  ]
  return Number(match[1]) * unit
}

/** A number of seconds, at least 1 (decimals allowed: 2.5). */
export function seconds(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError('must be a number of seconds, at least 1')
  return Number(value)
}
