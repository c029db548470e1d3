/**
 * Argon's icon (a violet disc with a white orbit and nucleus), drawn in code so the tray and
 * window get crisp pixels at any size without shipping image files next to the bundle.
 * `build/icon.png` for the installers is rendered by the same function.
 * Pure Node: no 'electron' import.
 */
import { deflateSync } from 'node:zlib'

/** `color` for windows and most trays; `template` is the black-and-alpha form macOS menus tint. */
export type IconVariant = 'color' | 'template'

type Rgba = readonly [number, number, number, number]

const VIOLET: Rgba = [91, 61, 245, 255]
const WHITE: Rgba = [255, 255, 255, 255]
const BLACK: Rgba = [0, 0, 0, 255]
const CLEAR: Rgba = [0, 0, 0, 0]

/** Colour of the icon at (x, y) in unit coordinates (the centre is 0.5, 0.5). */
function paint(x: number, y: number, variant: IconVariant): Rgba {
  const r = Math.hypot(x - 0.5, y - 0.5)
  if (r > 0.47) return CLEAR
  const mark = r < 0.11 || (r > 0.25 && r < 0.32)
  if (variant === 'template') return mark ? CLEAR : BLACK
  return mark ? WHITE : VIOLET
}

/**
 * RGBA pixels of the icon, `size`×`size`, anti-aliased by 4×4 supersampling.
 * @example const pixels = renderIconRgba(32, 'color') // 32 * 32 * 4 bytes
 */
export function renderIconRgba(size: number, variant: IconVariant = 'color'): Buffer {
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw new RangeError('size must be an integer in 1..4096')
  const samples = 4
  const pixels = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const color = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, variant)
          // Premultiply so transparent samples do not darken the edge.
          r += color[0] * color[3]
          g += color[1] * color[3]
          b += color[2] * color[3]
          a += color[3]
        }
      }
      const offset = (py * size + px) * 4
      if (a > 0) {
        pixels[offset] = Math.round(r / a)
        pixels[offset + 1] = Math.round(g / a)
        pixels[offset + 2] = Math.round(b / a)
      }
      pixels[offset + 3] = Math.round(a / (samples * samples))
    }
  }
  return pixels
}

/**
 * The icon as a PNG file (8-bit RGBA), for `nativeImage.createFromBuffer` and the installers.
 * @example writeFileSync('build/icon.png', renderIconPng(1024))
 */
export function renderIconPng(size: number, variant: IconVariant = 'color'): Buffer {
  return encodePng(size, size, renderIconRgba(size, variant))
}

/** Minimal PNG encoder: one IDAT, filter type 0 on every row. */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  if (rgba.length !== width * height * 4) throw new RangeError('rgba must hold width * height * 4 bytes')
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // colour type: RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height)
  for (let y = 0; y < height; y++) {
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 as PNG chunks use it (zlib.crc32 is missing from older Node 20 releases). */
export function crc32(data: Buffer): number {
  let c = 0xffffffff
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
