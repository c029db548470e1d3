import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  LONG_TASK_MS,
  MAX_PREFETCH_PER_SLOT,
  PREFETCH_HORIZON_MS,
  REFILL_MS,
  childHasRoom,
  formatHost,
  nodeWindowPerWorker,
  parseAddress,
  prefetchWindow,
  windowHasRoom,
  refillPairHasRoom,
} from '../../../protocol/index.js'

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

  it('reads back what formatHost writes, IPv6 in brackets', () => {
    expect(formatHost('::1')).toBe('[::1]')
    expect(formatHost('10.0.0.2')).toBe('10.0.0.2')
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        expect(parseAddress(`${formatHost(host)}:${port}`)).toEqual({ host, port })
      }),
    )
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

describe('windowHasRoom and childHasRoom', () => {
  const held = (slots: number, estimates: number[], unknown = 0) => ({
    slots,
    count: estimates.length + unknown,
    knownMs: estimates.reduce((sum, ms) => sum + ms, 0),
    unknown,
  })

  it('gives every free slot a task, and nothing more to unmeasured, long or unmeasured-held work', () => {
    expect(windowHasRoom(held(2, [5000]), undefined)).toBe(true)
    expect(windowHasRoom(held(2, [10, 10]), undefined)).toBe(false)
    expect(windowHasRoom(held(2, [10], 1), 10)).toBe(false)
    expect(windowHasRoom(held(2, [2000, 2000]), LONG_TASK_MS)).toBe(false)
  })

  it('keeps one moderate task waiting per worker, whichever way its estimate moved since the held ones were sent', () => {
    // A 10 ms function measured 10.4 ms when the held tasks were sent and 10.1 ms now.
    expect(childHasRoom(held(1, [10.4]), 10.1)).toBe(true)
    expect(childHasRoom(held(1, [10.4, 10.4]), 10.1)).toBe(false)
    // A node keeps two waiting per worker for tasks under REFILL_MS.
    expect(windowHasRoom(held(2, [10.4, 10.3, 10.2, 10.2, 10.1]), 10.1)).toBe(true)
    expect(windowHasRoom(held(2, [10.4, 10.3, 10.2, 10.2, 10.1, 10.1]), 10.1)).toBe(false)
    expect(windowHasRoom(held(2, [40.4, 40.3, 40.2]), 40.1)).toBe(true)
    expect(windowHasRoom(held(2, [40.4, 40.3, 40.2, 40.1]), 40.1)).toBe(false)
  })

  it('lets a stocked node take a second refill task beyond its window, and nothing else', () => {
    // 2 workers, 10 ms tasks: the window holds 6 (one running and two waiting per worker).
    const tens = (count: number) => held(2, new Array<number>(count).fill(10))
    expect(windowHasRoom(tens(6), 10)).toBe(false)
    // 5 were held (each worker had a task waiting), the first of the pair made it 6: a 7th may follow.
    expect(refillPairHasRoom(tens(6), 10)).toBe(true)
    // Not while the window has room (the ordinary rule places it), nor beyond one over.
    expect(refillPairHasRoom(tens(5), 10)).toBe(false)
    // A node that was not stocked (a worker had nothing waiting) is not over-filled.
    expect(refillPairHasRoom(held(2, [40, 40, 40, 40]), 40)).toBe(false)
    // Unmeasured, unknown or long work never is.
    expect(refillPairHasRoom(held(2, [10, 10, 10, 10, 10], 1), 10)).toBe(false)
    expect(refillPairHasRoom(tens(6), undefined)).toBe(false)
    expect(refillPairHasRoom(held(2, [2000, 2000, 2000]), LONG_TASK_MS)).toBe(false)
  })

  it('never queues a short task behind a long one at a child, nor a task of 20 ms or more', () => {
    expect(childHasRoom(held(1, [500]), 10)).toBe(false)
    expect(childHasRoom(held(1, [20]), 20)).toBe(false)
    expect(windowHasRoom(held(2, [1000, 10]), 10)).toBe(false)
  })

  it('fills about PREFETCH_HORIZON_MS of work per worker with fast tasks', () => {
    const fast = 0.5
    let count = 0
    while (windowHasRoom(held(2, new Array<number>(count).fill(fast)), fast)) count++
    expect(count).toBe(2 * (1 + PREFETCH_HORIZON_MS / fast))
  })

  it('holds two waiting tasks per worker for tasks from PREFETCH_HORIZON_MS to half REFILL_MS, estimates jittering by up to 10 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: PREFETCH_HORIZON_MS, max: (REFILL_MS / 2) * 0.9, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 0.1, noNaN: true }), { minLength: 13, maxLength: 13 }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        (slots, base, jitter, own) => {
          const estimates = jitter.map((j) => base * (1 + j))
          const taskMs = base * (1 + own)
          expect(windowHasRoom(held(slots, estimates.slice(0, 3 * slots - 1)), taskMs)).toBe(true)
          expect(windowHasRoom(held(slots, estimates.slice(0, 3 * slots + 1)), taskMs)).toBe(false)
        },
      ),
    )
  })

  it('holds exactly one waiting task per worker for moderate tasks of REFILL_MS or more whose estimates jitter by up to 10 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: REFILL_MS, max: 900, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 0.1, noNaN: true }), { minLength: 9, maxLength: 9 }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        (slots, base, jitter, own) => {
          const estimates = jitter.map((j) => base * (1 + j))
          const taskMs = base * (1 + own)
          expect(windowHasRoom(held(slots, estimates.slice(0, 2 * slots - 1)), taskMs)).toBe(true)
          expect(windowHasRoom(held(slots, estimates.slice(0, 2 * slots + 1)), taskMs)).toBe(false)
        },
      ),
    )
  })
})
