import { describe, expect, it } from 'vitest'
import { MAX_PREFETCH_PER_SLOT, nodeWindowPerWorker, parseAddress, prefetchWindow } from '../../../protocol/index.js'

describe('parseAddress', () => {
  it('reads HOST:PORT, [v6]:PORT and a bare host with a default port', () => {
    expect(parseAddress('app-host:8000')).toEqual({ host: 'app-host', port: 8000 })
    expect(parseAddress('[::1]:9000')).toEqual({ host: '::1', port: 9000 })
    expect(parseAddress('mgrhost', 8000)).toEqual({ host: 'mgrhost', port: 8000 })
    expect(parseAddress('http://10.0.0.2:81/')).toEqual({ host: '10.0.0.2', port: 81 })
  })

  it('refuses nonsense', () => {
    for (const bad of ['nonsense', 'host:', 'host:0', 'host:70000', 'a:b:c', ':80', 'bad host:80']) {
      expect(() => parseAddress(bad), bad).toThrow(TypeError)
    }
  })
})

describe('prefetchWindow', () => {
  it('is one per slot for slow or unknown tasks and deeper, bounded, for fast ones', () => {
    expect(prefetchWindow(0)).toBe(1)
    expect(prefetchWindow(Number.NaN)).toBe(1)
    expect(prefetchWindow(10)).toBe(1)
    expect(prefetchWindow(1)).toBeGreaterThan(1)
    expect(prefetchWindow(0.000001)).toBe(MAX_PREFETCH_PER_SLOT)
  })
})

describe('nodeWindowPerWorker', () => {
  it('adds one waiting task per worker for known tasks under a second, none for long or unknown ones', () => {
    expect(nodeWindowPerWorker(0)).toBe(1)
    expect(nodeWindowPerWorker(10)).toBe(2)
    expect(nodeWindowPerWorker(5000)).toBe(1)
    expect(nodeWindowPerWorker(0.000001)).toBe(MAX_PREFETCH_PER_SLOT)
  })
})
