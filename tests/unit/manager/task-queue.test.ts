import { describe, expect, it } from 'vitest'
import type { Priority } from '../../../protocol/index.js'
import { TaskQueue } from '../../../manager/task-queue.js'

const task = (id: string, priority: Priority = 'normal'): { id: string; priority: Priority; queued?: boolean } => ({
  id,
  priority,
})

function drain(queue: TaskQueue<{ id: string; priority: Priority; queued?: boolean }>): string[] {
  const out: string[] = []
  for (let next = queue.shift(); next; next = queue.shift()) out.push(next.id)
  return out
}

describe('TaskQueue', () => {
  it('is FIFO within a priority and serves high before normal before low', () => {
    const queue = new TaskQueue()
    queue.push(task('n1'))
    queue.push(task('l1', 'low'))
    queue.push(task('h1', 'high'))
    queue.push(task('n2'))
    queue.push(task('h2', 'high'))
    expect(queue.size).toBe(5)
    expect(drain(queue)).toEqual(['h1', 'h2', 'n1', 'n2', 'l1'])
    expect(queue.size).toBe(0)
  })

  it('puts a failed-over task back at the head of its priority', () => {
    const queue = new TaskQueue()
    queue.push(task('a'))
    queue.push(task('b'))
    queue.pushFront(task('lost'))
    expect(drain(queue)).toEqual(['lost', 'a', 'b'])
  })

  it('removes a waiting task and skips it later', () => {
    const queue = new TaskQueue()
    const [a, b, c] = ['a', 'b', 'c'].map((id) => task(id))
    for (const entry of [a!, b!, c!]) queue.push(entry)
    expect(queue.remove(b!)?.id).toBe('b')
    expect(queue.remove(b!)).toBeUndefined()
    expect(b!.queued).toBe(false)
    expect(a!.queued).toBe(true)
    expect(queue.size).toBe(2)
    expect(drain(queue)).toEqual(['a', 'c'])
  })

  it('keeps order across ring-buffer growth at both ends', () => {
    const queue = new TaskQueue()
    for (let i = 0; i < 100; i++) queue.push(task(`t${i}`))
    for (let i = 0; i < 40; i++) queue.shift()
    for (let i = 0; i < 50; i++) queue.push(task(`u${i}`))
    for (let i = 2; i >= 0; i--) queue.pushFront(task(`f${i}`))
    const order = drain(queue)
    expect(order.slice(0, 4)).toEqual(['f0', 'f1', 'f2', 't40'])
    expect(order.at(-1)).toBe('u49')
    expect(order).toHaveLength(113)
  })

  it('counts a task once when it is pushed again while waiting, and serves it once', () => {
    const queue = new TaskQueue()
    const a = task('a')
    queue.push(a)
    queue.pushFront(a)
    queue.push(task('b'))
    expect(queue.size).toBe(2)
    expect(drain(queue)).toEqual(['a', 'b'])
    expect(queue.size).toBe(0)
  })
})
