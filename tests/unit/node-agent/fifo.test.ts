import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Fifo } from '../../../node-agent/fifo.js'
import { collectGarbage } from '../../helpers/collect-garbage.js'

/** Tasks made (and their locals gone) in a frame of their own, so only the line can hold them. */
function fillWithTasks(count: number, add: (task: { frame: Buffer }) => void): WeakRef<object>[] {
  const refs: WeakRef<object>[] = []
  for (let i = 0; i < count; i++) {
    const task = { frame: Buffer.alloc(64 * 1024) }
    refs.push(new WeakRef(task))
    add(task)
  }
  return refs
}

function takeAndDrop(fifo: Fifo<{ frame: Buffer }>): void {
  for (let i = 0; i < 150; i++) fifo.shift()
  fifo.takeLast(50)
}

describe('Fifo', () => {
  it('behaves as a plain array used as a queue (property)', () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('push' as const), value: fc.integer() }),
      fc.record({ op: fc.constant('shift' as const) }),
      fc.record({ op: fc.constant('pushFront' as const), values: fc.array(fc.integer(), { maxLength: 3 }) }),
      fc.record({ op: fc.constant('takeLast' as const), count: fc.nat(4) }),
      fc.record({ op: fc.constant('removeFirst' as const), value: fc.integer({ min: -3, max: 3 }) }),
      fc.record({ op: fc.constant('find' as const), value: fc.integer({ min: -3, max: 3 }) }),
      fc.record({ op: fc.constant('takeAll' as const) }),
    )
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 3000 }), (operations) => {
        const fifo = new Fifo<number>()
        let model: number[] = []
        for (const step of operations) {
          switch (step.op) {
            case 'push':
              fifo.push(step.value)
              model.push(step.value)
              break
            case 'shift':
              expect(fifo.shift()).toBe(model.shift())
              break
            case 'pushFront':
              fifo.pushFront(step.values)
              model = [...step.values, ...model]
              break
            case 'takeLast':
              expect(fifo.takeLast(step.count)).toEqual(step.count === 0 ? [] : model.splice(-step.count))
              break
            case 'removeFirst': {
              const at = model.indexOf(step.value)
              expect(fifo.removeFirst((v) => v === step.value)).toBe(at < 0 ? undefined : model.splice(at, 1)[0])
              break
            }
            case 'find':
              expect(fifo.find((v) => v === step.value)).toBe(model.find((v) => v === step.value))
              break
            case 'takeAll':
              expect(fifo.takeAll()).toEqual(model.splice(0))
              break
          }
          expect(fifo.size).toBe(model.length)
          expect(fifo.peek()).toBe(model[0])
        }
      }),
      { numRuns: 200 },
    )
  })

  it('keeps nothing it handed out reachable', async () => {
    const fifo = new Fifo<{ frame: Buffer }>()
    const refs = fillWithTasks(200, (task) => fifo.push(task))
    // Taken one by one (the line stays short of its compaction point), then the line is idle.
    takeAndDrop(fifo)
    expect(fifo.size).toBe(0)
    expect(await collectGarbage(refs)).toBe(0)
  })
})
