import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { crc32, renderIconPng, renderIconRgba } from '../../../electron/app-icon.js'

/** Reads the chunks of a PNG, checking every CRC. */
function chunks(png: Buffer): Map<string, Buffer> {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  const found = new Map<string, Buffer>()
  let offset = 8
  while (offset < png.length) {
    const length = png.readUInt32BE(offset)
    const type = png.toString('ascii', offset + 4, offset + 8)
    const data = png.subarray(offset + 8, offset + 8 + length)
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)))
    found.set(type, data)
    offset += 12 + length
  }
  return found
}

describe('app icon', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
  })

  it('encodes a valid RGBA PNG of the requested size', () => {
    const png = chunks(renderIconPng(32))
    const header = png.get('IHDR')!
    expect(header.readUInt32BE(0)).toBe(32)
    expect(header.readUInt32BE(4)).toBe(32)
    expect([header[8], header[9]]).toEqual([8, 6])
    expect(inflateSync(png.get('IDAT')!).length).toBe(32 * (32 * 4 + 1))
    expect(png.has('IEND')).toBe(true)
  })

  it('is a transparent-cornered violet disc with a white nucleus', () => {
    const size = 64
    const pixels = renderIconRgba(size)
    const at = (x: number, y: number) => [...pixels.subarray((y * size + x) * 4, (y * size + x) * 4 + 4)]
    expect(at(0, 0)[3]).toBe(0)
    expect(at(32, 32)).toEqual([255, 255, 255, 255])
    expect(at(32, 6)).toEqual([91, 61, 245, 255])
  })

  it('has a black-and-alpha template variant for the macOS menu bar', () => {
    const pixels = renderIconRgba(16, 'template')
    for (let i = 0; i < pixels.length; i += 4) expect([pixels[i], pixels[i + 1], pixels[i + 2]]).toEqual([0, 0, 0])
  })

  it('rejects sizes it cannot draw', () => {
    expect(() => renderIconRgba(0)).toThrow(RangeError)
    expect(() => renderIconRgba(1.5)).toThrow(RangeError)
  })
})
