/**
 * Per-link function tables: a function's source (or module/export) crosses a link once and is
 * referenced by a small integer afterwards.
 *
 * The sender owns the numbering (`FunctionTable`); the receiver mirrors it (`FunctionRegistry`).
 * Frames on one link arrive in order, so a definition always precedes its first use. A new
 * connection starts both sides afresh. When a sender's table is full (by count or by source
 * characters) it starts over, and the next frame carries a reset flag so the receiver forgets its
 * copy at the same point.
 */
import {
  MAX_BATCH_ITEMS,
  MAX_CATALOG_FUNCTION_CHARS,
  MAX_HELD_FUNCTION_CHARS,
  MAX_LINK_FUNCTION_CHARS,
} from './limits.js'
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

/** What a table counts of a function against its character bound: its key's length. */
function keyChars(fn: TaskFunction): number {
  return functionKey(fn).length
}

/**
 * Interns function entries by key, so every task of one function shares one entry (and link
 * tables keyed by entry identity find it with one hash lookup). Bounded: past `limit` keys or
 * `maxChars` key characters the catalog starts over; entries still held by tasks stay valid, a
 * later task just gets a new one.
 */
export class FunctionCatalog {
  readonly #entries = new Map<string, FunctionEntry>()
  #chars = 0

  constructor(
    readonly limit = 10_000,
    readonly maxChars = MAX_CATALOG_FUNCTION_CHARS,
  ) {}

  get size(): number {
    return this.#entries.size
  }

  /** Characters of the keys held (the map flattens each key, a copy beside the source). */
  get chars(): number {
    return this.#chars
  }

  intern(fn: TaskFunction): FunctionEntry {
    const key = functionKey(fn)
    let entry = this.#entries.get(key)
    if (entry === undefined) {
      if (this.#entries.size >= this.limit || this.#chars + key.length > this.maxChars) {
        this.#entries.clear()
        this.#chars = 0
      }
      entry = { fn, key }
      this.#entries.set(key, entry)
      this.#chars += key.length
    }
    return entry
  }
}

/** The sending side of one link's table. */
export class FunctionTable {
  readonly #ids = new Map<string, number>()
  #next = 1
  #chars = 0
  #resetPending = false

  /**
   * @param limit functions before the table starts over
   * @param charLimit key characters (about the source's) before the table starts over; the
   *   receiver's bound (MAX_HELD_FUNCTION_CHARS) leaves one frame of room above the default
   */
  constructor(
    readonly limit = MAX_LINK_FUNCTIONS,
    readonly charLimit = MAX_LINK_FUNCTION_CHARS,
  ) {}

  get size(): number {
    return this.#ids.size
  }

  /** Key characters defined since the table last started over (the receiver counts the same). */
  get chars(): number {
    return this.#chars
  }

  /**
   * Called when a frame begins: a full table starts over here, and the frame must carry the
   * reset flag (returned true) so the receiver starts over at the same point.
   */
  beginFrame(): boolean {
    if (this.#ids.size >= this.limit || this.#chars >= this.charLimit) {
      this.#ids.clear()
      this.#next = 1
      this.#chars = 0
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
    this.#chars += entry.key.length
    return id
  }

  /** A new connection: nothing is known on the other side any more. */
  clear(): void {
    this.#ids.clear()
    this.#next = 1
    this.#chars = 0
    this.#resetPending = false
  }
}

/**
 * The receiving side of one link's table. Bounded by count and by key characters, so a peer that
 * never starts over cannot make it hold more than about MAX_HELD_FUNCTION_CHARS of source.
 */
export class FunctionRegistry {
  readonly #entries = new Map<number, FunctionEntry>()
  readonly #catalog: FunctionCatalog | undefined
  #chars = 0
  #generation = 0

  /**
   * @param catalog interns received functions (the manager shares entries across links).
   * @param limit the sender's bound on functions; one frame's worth more is allowed.
   * @param maxChars most key characters held (already including one frame's room over the sender's).
   */
  constructor(
    catalog?: FunctionCatalog,
    readonly limit = MAX_LINK_FUNCTIONS,
    readonly maxChars = MAX_HELD_FUNCTION_CHARS,
  ) {
    this.#catalog = catalog
  }

  get size(): number {
    return this.#entries.size
  }

  /** Key characters held (each function's source, plus a few). */
  get chars(): number {
    return this.#chars
  }

  /** Goes up at every reset: ids seen before it may now name other functions. */
  get generation(): number {
    return this.#generation
  }

  get(id: number): FunctionEntry | undefined {
    return this.#entries.get(id)
  }

  /** Returns false, and changes nothing, when the sender went past the table's bounds (a misbehaving peer). */
  define(id: number, fn: TaskFunction): boolean {
    const before = this.#entries.get(id)
    if (before === undefined && this.#entries.size >= this.limit + MAX_BATCH_ITEMS) return false
    if (this.#chars - (before?.key.length ?? 0) + keyChars(fn) > this.maxChars) return false
    this.#set(id, fn, before)
    return true
  }

  clear(): void {
    this.#entries.clear()
    this.#chars = 0
    this.#generation++
  }

  /**
   * Applies one frame's definitions, after a reset when `reset`; all or nothing: returns false, and
   * changes nothing, when they would take the table past its bounds (a misbehaving peer).
   */
  defineAll(definitions: readonly (readonly [number, TaskFunction])[], reset: boolean): boolean {
    // Most frames define nothing: no per-frame work for them.
    if (definitions.length === 0 && !reset) return true
    // The table as the frame would leave it: a later definition of an id replaces an earlier one.
    const defined = new Map<number, number>()
    let count = reset ? 0 : this.#entries.size
    let chars = reset ? 0 : this.#chars
    for (const [id, fn] of definitions) {
      const before = defined.get(id) ?? (reset ? undefined : this.#entries.get(id)?.key.length)
      const size = keyChars(fn)
      if (before === undefined) count++
      chars += size - (before ?? 0)
      defined.set(id, size)
    }
    if (count > this.limit + MAX_BATCH_ITEMS || chars > this.maxChars) return false
    if (reset) this.clear()
    // Unchecked: only the end state is bounded (a hostile frame may redefine an id mid-way).
    for (const [id, fn] of definitions) this.#set(id, fn, this.#entries.get(id))
    return true
  }

  #set(id: number, fn: TaskFunction, before: FunctionEntry | undefined): void {
    const entry = this.#catalog ? this.#catalog.intern(fn) : functionEntry(fn)
    this.#entries.set(id, entry)
    this.#chars += entry.key.length - (before?.key.length ?? 0)
  }
}
