/**
 * Structured-clone values ⇄ bytes. User data crosses the cluster in this form; only the client
 * and the child process ever decode it.
 *
 * Two encodings behind one tag byte, chosen per value:
 * - V8's serializer (tag 0xFF, its own version byte) for anything structured clone can carry:
 *   Date, Map, Set, BigInt, typed arrays, `undefined`, cycles…
 * - JSON (tag 0x01) when the value is plain JSON that round-trips exactly (finite numbers other
 *   than -0, strings, booleans, null, dense arrays, plain objects without `undefined`). That is the
 *   common case of small tasks, and it is several times cheaper than building a V8 serializer per
 *   call (a serializer cannot be reused: it remembers every object it has written).
 */
import { deserialize, serialize } from 'node:v8'

const JSON_TAG = 0x01
const V8_TAG = 0xff
const MAX_JSON_DEPTH = 64

function isExactJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
    case 'object': {
      if (value === null) return true
      if (depth >= MAX_JSON_DEPTH) return false
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isExactJson(value[i], depth + 1)) return false
        }
        return true
      }
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      for (const key in value) {
        if (key === '__proto__' || !isExactJson((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/** Encodes a value; throws (a DataCloneError) for functions, symbols and the like. */
export function encodeValue(value: unknown): Buffer {
  if (isExactJson(value, 0)) {
    const text = JSON.stringify(value)
    const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text))
    bytes[0] = JSON_TAG
    bytes.write(text, 1)
    return bytes
  }
  return serialize(value)
}

/** Decodes the value in `bytes[start .. end)` without making a view of it first (JSON, the common case). */
export function decodeValueRange(bytes: Buffer, start: number, end: number): unknown {
  if (end > start && bytes[start] === JSON_TAG) return JSON.parse(bytes.toString('utf8', start + 1, end))
  return decodeValue(bytes.subarray(start, end))
}

/** Decodes bytes made by encodeValue. */
export function decodeValue(bytes: Uint8Array): unknown {
  if (bytes[0] === JSON_TAG)
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1).toString('utf8'))
  if (bytes[0] === V8_TAG) return deserialize(bytes)
  throw new TypeError('unknown value encoding')
}
