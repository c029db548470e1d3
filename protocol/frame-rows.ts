/**
 * What every frame writer gathers per row before it knows the frame's size: the ids and the
 * payload's byte ranges. Ranges adjacent in memory (tasks of one incoming frame sent on together)
 * merge into one copy. The staging arrays are kept from frame to frame and overwritten in place,
 * so a frame costs its output buffer and little else, whatever its size.
 */
import { ILL_FORMED_ID_TEXT } from './frame-layout.js'

export class FrameRows {
  /** Rows added since the last reset. */
  count = 0
  /** The ids joined by '\n' (a one-row frame holds just its id: no join, no array). */
  #ids = ''
  // One entry per merged range: the memory it lies in and its absolute bounds there.
  readonly #buffers: (ArrayBufferLike | undefined)[] = []
  readonly #starts: number[] = []
  readonly #ends: number[] = []
  #ranges = 0
  /** Payload offsets relative to the payload's start: count + 1 of them, the first 0. */
  readonly #offsets: number[] = [0]
  #payloadBytes = 0

  get payloadBytes(): number {
    return this.#payloadBytes
  }

  /** The ids section's length in bytes (ids are ASCII: one byte a character). */
  get idsBytes(): number {
    return this.#ids.length
  }

  add(id: string, bytes: Uint8Array, start: number, end: number): void {
    this.#ids = this.count === 0 ? id : this.#ids + '\n' + id
    this.count++
    const absoluteStart = bytes.byteOffset + start
    const absoluteEnd = bytes.byteOffset + end
    const last = this.#ranges - 1
    if (last >= 0 && this.#ends[last] === absoluteStart && this.#buffers[last] === bytes.buffer)
      this.#ends[last] = absoluteEnd
    else {
      this.#buffers[this.#ranges] = bytes.buffer
      this.#starts[this.#ranges] = absoluteStart
      this.#ends[this.#ranges] = absoluteEnd
      this.#ranges++
    }
    this.#payloadBytes += end - start
    this.#offsets[this.count] = this.#payloadBytes
  }

  /** Throws when an id cannot travel (one native pass per frame; ids made by this code never fail it). */
  checkIds(): void {
    if (ILL_FORMED_ID_TEXT.test(this.#ids)) throw new TypeError('a task id must be 1..128 printable ASCII characters')
  }

  /** Writes the ids at `at`; returns the position after them. */
  writeIds(out: Buffer, at: number): number {
    return at + out.write(this.#ids, at, 'latin1')
  }

  /** Writes the offsets column and then the payload at `at` (`view`: a DataView of `out`). */
  writeOffsetsAndPayload(out: Buffer, view: DataView, at: number): void {
    const offsets = this.#offsets
    for (let i = 0; i <= this.count; i++) {
      view.setUint32(at, offsets[i]!, true)
      at += 4
    }
    for (let i = 0; i < this.#ranges; i++) {
      const length = this.#ends[i]! - this.#starts[i]!
      if (length === 0) continue
      out.set(new Uint8Array(this.#buffers[i]!, this.#starts[i], length), at)
      at += length
    }
  }

  /** Forgets the rows (and lets go of the memory their payloads lie in). */
  reset(): void {
    for (let i = 0; i < this.#ranges; i++) this.#buffers[i] = undefined
    this.#ranges = 0
    this.#ids = ''
    this.count = 0
    this.#payloadBytes = 0
  }
}
