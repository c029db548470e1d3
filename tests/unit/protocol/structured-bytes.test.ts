import { describe, expect, it } from 'vitest'
import { decodeValue, encodeValue } from '../../../protocol/structured-bytes.js'

const roundTrip = (value: unknown) => decodeValue(encodeValue(value))

describe('structured bytes', () => {
  it('keeps structured-clone types, not only JSON', () => {
    const value = {
      date: new Date(1_700_000_000_000),
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, new Set([3n])],
      ]),
      big: 12345678901234567890n,
      bytes: new Uint8Array([1, 2, 3]),
      floats: new Float64Array([1.5, -0]),
      nothing: undefined,
      nested: { list: [1, 'two', null, { deep: true }] },
      negativeZero: -0,
      notANumber: NaN,
      infinity: -Infinity,
    }
    const back = roundTrip(value) as typeof value
    expect(back.date).toBeInstanceOf(Date)
    expect(back.date.getTime()).toBe(value.date.getTime())
    expect(back.map).toEqual(value.map)
    expect(back.big).toBe(value.big)
    expect(back.bytes).toEqual(value.bytes)
    expect(back.floats).toBeInstanceOf(Float64Array)
    expect('nothing' in back && back.nothing === undefined).toBe(true)
    expect(back.nested).toEqual(value.nested)
    expect(Object.is(back.negativeZero, -0)).toBe(true)
    expect(back.notANumber).toBeNaN()
    expect(back.infinity).toBe(-Infinity)
  })

  it('round-trips plain JSON values exactly on the fast path', () => {
    for (const value of [[4, 7], 'text \u{1F600} \uD800', { a: [1, { b: null }], c: true }, [], {}, 0, 1e21, -5.5]) {
      expect(roundTrip(value)).toEqual(value)
    }
  })

  it('does not take the JSON path for values JSON would change', () => {
    expect(roundTrip([1, undefined])).toEqual([1, undefined])
    expect(roundTrip([1, , 3])).toHaveLength(3)
    const withProto = JSON.parse('{"__proto__": 1}') as object
    expect(Object.keys(roundTrip(withProto) as object)).toEqual(Object.keys(withProto))
  })

  it('throws for values that cannot travel', () => {
    expect(() => encodeValue([() => 1])).toThrow()
    expect(() => encodeValue(Symbol('s'))).toThrow()
    expect(roundTrip([5])).toEqual([5])
  })

  it('refuses bytes it did not make', () => {
    expect(() => decodeValue(new Uint8Array([0x42, 1, 2]))).toThrow(TypeError)
  })
})
