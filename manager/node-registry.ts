import { createHash, timingSafeEqual } from 'node:crypto'
import { NodeEntry, type NodeIdentity, type NodeLink } from './node-entry.js'

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

/**
 * Every node the manager has seen while it runs, connected or not, plus the operator's rotation
 * choice kept by node NAME: a drained machine that restarts (new id, same name) comes back drained.
 */
export class NodeRegistry {
  readonly #byId = new Map<string, NodeEntry>()
  readonly #drainedNames = new Set<string>()
  /** Node id → digest of the secret its agent registered with first. */
  readonly #secrets = new Map<string, Buffer>()

  all(): IterableIterator<NodeEntry> {
    return this.#byId.values()
  }

  get(id: string): NodeEntry | undefined {
    return this.#byId.get(id)
  }

  /** Nodes with this name (several only if two agents share a name). */
  byName(name: string): NodeEntry[] {
    return [...this.#byId.values()].filter((node) => node.name === name)
  }

  isDrained(name: string): boolean {
    return this.#drainedNames.has(name)
  }

  setDrained(name: string, drained: boolean): void {
    if (drained) this.#drainedNames.add(name)
    else this.#drainedNames.delete(name)
  }

  /**
   * Binds a node id to its agent's secret on first sight; afterwards only the same secret may use
   * the id (compared in constant time). Returns false for anyone else.
   */
  claim(id: string, secret: string): boolean {
    const known = this.#secrets.get(id)
    if (known === undefined) {
      this.#secrets.set(id, digest(secret))
      return true
    }
    return timingSafeEqual(known, digest(secret))
  }

  /**
   * Registers a connection. An agent that reconnects keeps its entry (same id); an offline entry
   * with the same name but another id (the machine restarted) is replaced. Returns the entry and
   * whether the node was known before.
   */
  connect(identity: NodeIdentity, link: NodeLink): { node: NodeEntry; returning: boolean } {
    let node = this.#byId.get(identity.id)
    let returning = node !== undefined
    if (!node) {
      for (const old of this.#byId.values()) {
        if (old.name === identity.name && old.link === null) {
          this.#byId.delete(old.id)
          this.#secrets.delete(old.id)
          returning = true
        }
      }
      node = new NodeEntry(identity)
      this.#byId.set(node.id, node)
    } else {
      node.name = identity.name
      node.host = identity.host
      node.workers = identity.workers
      node.version = identity.version
    }
    node.link = link
    node.leaving = false
    node.heartbeat = null
    node.connectedAt = Date.now()
    node.lastSeenAt = Date.now()
    return { node, returning }
  }

  /** Forgets an offline node. Returns false when it is connected or unknown. */
  dismiss(name: string): boolean {
    let removed = false
    for (const node of this.byName(name)) {
      if (node.link === null) {
        this.#byId.delete(node.id)
        this.#secrets.delete(node.id)
        removed = true
      }
    }
    if (removed && this.byName(name).length === 0) this.#drainedNames.delete(name)
    return removed
  }
}
