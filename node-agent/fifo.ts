/**
 * A first-in, first-out line with O(1) taking from the head. A taken item's slot is cleared at
 * once and the array starts over whenever the line empties, so nothing taken stays reachable from
 * here: a task keeps the frame its bytes live in, and a line must not pin old frames.
 *
 * @example
 * ```ts
 * const line = new Fifo<string>()
 * line.push('a')
 * line.push('b')
 * line.shift() // 'a'
 * line.takeLast(1) // ['b']
 * ```
 */
export class Fifo<T> {
  #items: (T | undefined)[] = []
  #head = 0

  get size(): number {
    return this.#items.length - this.#head
  }

  peek(): T | undefined {
    return this.#items[this.#head]
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (this.#head === this.#items.length) this.#startOver()
    else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  push(item: T): void {
    this.#items.push(item)
  }

  /** Puts items back at the head, in their order (they came before what waits here). */
  pushFront(items: readonly T[]): void {
    if (items.length > 0) this.#items.splice(this.#head, 0, ...items)
  }

  /** The first item that matches, left in place. */
  find(matches: (item: T) => boolean): T | undefined {
    const at = this.#indexOf(matches)
    return at < 0 ? undefined : this.#items[at]
  }

  /** Removes and returns the first item that matches, if any waits here. */
  removeFirst(matches: (item: T) => boolean): T | undefined {
    const at = this.#indexOf(matches)
    return at < 0 ? undefined : this.#takeAt(at)
  }

  #indexOf(matches: (item: T) => boolean): number {
    for (let i = this.#head; i < this.#items.length; i++) {
      if (matches(this.#items[i] as T)) return i
    }
    return -1
  }

  /** Removes and returns up to `count` items from the tail (the most recent), oldest of them first. */
  takeLast(count: number): T[] {
    const take = Math.min(count, this.size)
    if (take <= 0) return []
    const taken = this.#items.splice(this.#items.length - take, take) as T[]
    if (this.size === 0) this.#startOver()
    return taken
  }

  /** Removes and returns every item. */
  takeAll(): T[] {
    const taken = this.#items.slice(this.#head) as T[]
    this.#startOver()
    return taken
  }

  #takeAt(index: number): T {
    const item = this.#items.splice(index, 1)[0] as T
    if (this.size === 0) this.#startOver()
    return item
  }

  #startOver(): void {
    this.#items = []
    this.#head = 0
  }
}
