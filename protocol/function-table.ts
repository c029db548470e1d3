/**
 * Per-link function tables: a function's source (or module/export) crosses a link once and is
 * referenced by a small integer afterwards.
 *
 * The sender owns the numbering (`FunctionTable`); the receiver mirrors it (`FunctionRegistry`).
 * Frames on one link arrive in order, so a definition always precedes its first use. A new
 * connection starts both sides afresh. When a sender's table is full it starts over, and the
 * next frame carries a reset flag so the receiver forgets its copy at the same point.
 */
import type { TaskFunction } from './task.js'

/** Most functions one link table holds before it starts over (the receiver allows one frame more). */
export const MAX_LINK_FUNCTIONS = 4096

/** A function as the cluster knows it: what to run plus a stable key (source text or module#export). */
export interface FunctionEntry {
  readonly fn: TaskFunction
  readonly key: string
}

/** The stable key of a function: its source text, or `module#export` (prefixed so the two never collide). */
export function functionKey(fn: TaskFunction): string {
  return fn.kind === 'source' ? 's' + fn.source : `m${fn.module}#${fn.export}`
}

export function functionEntry(fn: TaskFunction): FunctionEntry {
  return { fn, key: functionKey(fn) }
}

/**
 * Interns function entries by key, so every task of one function shares one entry (and link
 * tables keyed by entry identity find it with one hash lookup). Bounded: past `limit` keys the
 * catalog starts over; entries still held by tasks stay valid, a later task just gets a new one.
 */
export class FunctionCatalog {
  readonly #entries = new Map<string, FunctionEntry>()
  constructor(readonly limit = 10_000) {}

  intern(fn: TaskFunction): FunctionEntry {
    const key = functionKey(fn)
    let entry = this.#entries.get(key)
    if (entry === undefined) {
      if (this.#entries.size >= this.limit) this.#entries.clear()
      entry = { fn, key }
      this.#entries.set(key, entry)
    }
    return entry
  }
}

/** The sending side of one link's table. */
export class FunctionTable {
  readonly #ids = new Map<string, number>()
  #next = 1
  #resetPending = false

  constructor(readonly limit = MAX_LINK_FUNCTIONS) {}

  get size(): number {
    return this.#ids.size
  }

  /**
   * Called when a frame begins: a full table starts over here, and the frame must carry the
   * reset flag (returned true) so the receiver starts over at the same point.
   */
  beginFrame(): boolean {
    if (this.#ids.size >= this.limit) {
      this.#ids.clear()
      this.#next = 1
      this.#resetPending = true
    }
    const reset = this.#resetPending
    this.#resetPending = false
    return reset
  }

  /** The link id of `entry`, or undefined when it has none yet (call `define`). */
  idOf(entry: FunctionEntry): number | undefined {
    return this.#ids.get(entry.key)
  }

  define(entry: FunctionEntry): number {
    const id = this.#next++
    this.#ids.set(entry.key, id)
    return id
  }

  /** A new connection: nothing is known on the other side any more. */
  clear(): void {
    this.#ids.clear()
    this.#next = 1
    this.#resetPending = false
  }
}

/** The receiving side of one link's table. */
export class FunctionRegistry {
  readonly #entries = new Map<number, FunctionEntry>()
  readonly #catalog: FunctionCatalog | undefined
  #generation = 0

  /** @param catalog interns received functions (the manager shares entries across links). */
  constructor(
    catalog?: FunctionCatalog,
    readonly limit = MAX_LINK_FUNCTIONS,
  ) {
    this.#catalog = catalog
  }

  get size(): number {
    return this.#entries.size
  }

  /** Goes up at every reset: ids seen before it may now name other functions. */
  get generation(): number {
    return this.#generation
  }

  get(id: number): FunctionEntry | undefined {
    return this.#entries.get(id)
  }

  /** Returns false when the sender went past the table's bound (a misbehaving peer). */
  define(id: number, fn: TaskFunction): boolean {
    if (!this.#entries.has(id) && this.#entries.size >= this.limit + 10_000) return false
    this.#entries.set(id, this.#catalog ? this.#catalog.intern(fn) : functionEntry(fn))
    return true
  }

  clear(): void {
    this.#entries.clear()
    this.#generation++
  }

  /**
   * Applies one frame's definitions, after a reset when `reset`; all or nothing: returns false, and
   * changes nothing, when they would take the table past its bound (a misbehaving peer).
   */
  defineAll(definitions: readonly (readonly [number, TaskFunction])[], reset: boolean): boolean {
    const added = new Set<number>()
    for (const [id] of definitions) if (reset || !this.#entries.has(id)) added.add(id)
    if ((reset ? 0 : this.#entries.size) + added.size > this.limit + 10_000) return false
    if (reset) this.clear()
    for (const [id, fn] of definitions) this.define(id, fn)
    return true
  }
}
