import { MAX_NODE_NAME_CHARS } from '../protocol/frame-layout.js'
import type { NodeRegistry } from './node-registry.js'

/** What the manager decided about the name an agent asked for at join. */
export type NameDecision = { ok: true; name: string } | { ok: false; code: 'NAME_IN_USE'; message: string }

/** How long a name stays reserved for an agent between its handshake and its connection. */
const RESERVATION_MS = 30_000

/**
 * `name-n`, within MAX_NODE_NAME_CHARS (the handshake's limit, and what an outcome frame carries):
 * a long name is shortened before the suffix, never split inside a surrogate pair.
 */
export function numberedName(name: string, n: number): string {
  const suffix = `-${n}`
  let keep = Math.min(name.length, MAX_NODE_NAME_CHARS - suffix.length)
  const last = name.charCodeAt(keep - 1)
  if (keep < name.length && last >= 0xd800 && last <= 0xdbff) keep--
  return name.slice(0, keep) + suffix
}

/**
 * Keeps node names unique among connected nodes, since rotation (drain/resume) is kept by name.
 *
 * - A node that reconnects (same id) keeps the name it has, so its name is stable.
 * - An operator-chosen name (`--name`) that another connected node holds is refused.
 * - A default name (the host name) that is taken gets the first free `NAME-2`, `NAME-3`, …
 *   skipping names of offline nodes too, so that a node that is briefly away finds its name free.
 *   A name too long to take the suffix is shortened first (`numberedName`).
 *
 * Names are reserved from the handshake until the connection registers, so two agents joining
 * at the same moment cannot both take one name.
 */
export class NodeNames {
  readonly #registry: NodeRegistry
  readonly #reserved = new Map<string, { nodeId: string; at: number }>()

  constructor(registry: NodeRegistry) {
    this.#registry = registry
  }

  /** Decides the name of an agent that is joining, and reserves it. */
  claim(request: { nodeId: string; name: string; nameChosen?: boolean }, now = Date.now()): NameDecision {
    this.#expire(now)
    const known = this.#registry.get(request.nodeId)
    if (known !== undefined && !this.#heldByOther(known.name, request.nodeId, false))
      return this.#reserve(known.name, request.nodeId, now)
    if (!this.#heldByOther(request.name, request.nodeId, false)) return this.#reserve(request.name, request.nodeId, now)
    if (request.nameChosen === true) {
      const holder = this.#registry.byName(request.name).find((node) => node.link !== null)
      return {
        ok: false,
        code: 'NAME_IN_USE',
        message: `the node name "${request.name}" is held by a connected node${holder ? ` (host ${holder.host}, id ${holder.id})` : ''}: start this agent with another --name, or stop that node first`,
      }
    }
    for (let n = 2; ; n++) {
      const candidate = numberedName(request.name, n)
      if (!this.#heldByOther(candidate, request.nodeId, true)) return this.#reserve(candidate, request.nodeId, now)
    }
  }

  /** The agent's connection registered (or never will): its reservation is no longer needed. */
  release(nodeId: string): void {
    for (const [name, reservation] of this.#reserved) if (reservation.nodeId === nodeId) this.#reserved.delete(name)
  }

  /** True when another node has this name: connected, reserved, or (with `countOffline`) known at all. */
  #heldByOther(name: string, nodeId: string, countOffline: boolean): boolean {
    const reservation = this.#reserved.get(name)
    if (reservation !== undefined && reservation.nodeId !== nodeId) return true
    return this.#registry.byName(name).some((node) => node.id !== nodeId && (countOffline || node.link !== null))
  }

  #reserve(name: string, nodeId: string, now: number): NameDecision {
    this.release(nodeId)
    this.#reserved.set(name, { nodeId, at: now })
    return { ok: true, name }
  }

  #expire(now: number): void {
    for (const [name, reservation] of this.#reserved)
      if (now - reservation.at > RESERVATION_MS) this.#reserved.delete(name)
  }
}
