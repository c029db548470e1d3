/**
 * The dashboard's two themes (dark by default, light when the system asks): every text colour
 * meets WCAG AA contrast (4.5:1) on every surface it is drawn on.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const css = readFileSync(new URL('../../renderer/src/styles.css', import.meta.url), 'utf8')

function variables(block: string): Map<string, string> {
  return new Map([...block.matchAll(/--([\w-]+):\s*([^;]+);/g)].map((match) => [match[1]!, match[2]!.trim()]))
}

const dark = variables(css.slice(css.indexOf(':root {'), css.indexOf('@media (prefers-color-scheme: light)')))
const light = new Map([...dark, ...variables(css.slice(css.indexOf('@media (prefers-color-scheme: light)')))])

type Rgba = [number, number, number, number]

function parse(color: string): Rgba {
  const hex = /^#([0-9a-f]{6})$/i.exec(color)
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1]!.slice(i, i + 2), 16)).concat(1) as Rgba
  const rgba = /^rgba\(([\d.]+),\s*([\d.]+),\s*([\d.]+),\s*([\d.]+)\)$/.exec(color)
  if (rgba) return rgba.slice(1).map(Number) as Rgba
  throw new Error(`unreadable colour ${color}`)
}

/** A translucent colour painted over an opaque one. */
function over(top: Rgba, base: Rgba): Rgba {
  const a = top[3]
  return [0, 1, 2].map((i) => top[i]! * a + base[i]! * (1 - a)).concat(1) as Rgba
}

function luminance([r, g, b]: Rgba): number {
  const channel = (value: number) => {
    const c = value / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

function contrast(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

describe.each([
  ['dark', dark],
  ['light', light],
])('%s theme', (_name, theme) => {
  const color = (name: string) => parse(theme.get(name)!)
  const surfaces = ['bg', 'panel', 'panel-2'].map(color)

  it.each(['text', 'text-strong', 'muted', 'faint', 'accent', 'ok', 'warn', 'bad'])(
    '--%s text meets AA on every surface',
    (name) => {
      for (const surface of surfaces) expect(contrast(color(name), surface)).toBeGreaterThanOrEqual(4.5)
    },
  )

  it.each([
    ['ok', 'ok-soft'],
    ['warn', 'warn-soft'],
    ['bad', 'bad-soft'],
    ['text-strong', 'accent-soft'],
  ])('--%s on its badge (--%s) meets AA', (text, badge) => {
    for (const surface of surfaces)
      expect(contrast(color(text), over(color(badge), surface))).toBeGreaterThanOrEqual(4.5)
  })

  it('--on-accent meets AA on an accent button', () => {
    expect(contrast(color('on-accent'), color('accent'))).toBeGreaterThanOrEqual(4.5)
  })
})
