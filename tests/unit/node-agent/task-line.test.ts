/**
 * The child's line of tasks: back to back, results sent in batches, the event loop given a turn
 * between tasks once per slice (not per task), and tasks that have not started handed back.
 */
import { createServer, Socket, type AddressInfo } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { SLICE_MS, TaskLine, type TaskLineOptions } from '../../../node-agent/task-line.js'

/** A clock the tasks move: each run takes `costMs`. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0
  return { now: () => t, advance: (ms) => (t += ms) }
}

/** A line of named tasks; a skipped task is answered `skipped <name>`, and outcomes go nowhere unless `send` is given. */
function stringLine(
  options: Pick<TaskLineOptions<string, string>, 'run'> & Partial<TaskLineOptions<string, string>>,
): TaskLine<string, string> {
  return new TaskLine<string, string>({ send: () => undefined, skip: (task) => `skipped ${task}`, ...options })
}

/** Waits (bounded, polling with vi.waitFor) until the line has done what `check` looks for. */
async function settled(check: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(check()).toBe(true), { timeout: 5000, interval: 1 })
}

describe('TaskLine', () => {
  it('runs trivial tasks back to back: one turn per slice, not per task', async () => {
    const clock = fakeClock()
    const sent: number[][] = []
    const line = new TaskLine<number, number>({
      run: (task) => {
        clock.advance(0.01)
        return task * 2
      },
      send: (outcomes) => sent.push(outcomes),
      skip: (task) => -task,
      now: clock.now,
    })
    line.push(Array.from({ length: 1000 }, (_, i) => i))
    await settled(() => sent.flat().length === 1000)
    expect(sent.flat()).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2))
    // 1000 × 0.01 ms = 10 ms of work: a turn (while tasks wait) every SLICE_MS; each outcome
    // leaves before the next task starts.
    expect(sent).toHaveLength(1000)
    expect(line.turns).toBeLessThanOrEqual(10 / SLICE_MS)
    expect(line.turns).toBeGreaterThanOrEqual(5)
  })

  it("sends a finished task's outcome before it starts the next, however short the task", async () => {
    // The agent takes the first task it holds unanswered for the running one (its timeout, a
    // cancel, a crash): an answer held while a long task runs would be blamed for that task.
    const clock = fakeClock()
    const events: string[] = []
    const line = stringLine({
      run: (task) => {
        events.push(`run ${task}`)
        clock.advance(task === 'slow' ? 50 : 0.001)
        return task
      },
      send: (outcomes) => events.push(`send ${outcomes.join(',')}`),
      yieldTurn: async () => {
        events.push('turn')
      },
      now: clock.now,
    })
    line.push(['fast', 'slow', 'last'])
    await settled(() => events.includes('send last'))
    expect(events).toEqual(['run fast', 'send fast', 'run slow', 'send slow', 'turn', 'run last', 'send last'])
  })

  it('turns after a long task only while another waits, and sends its result first', async () => {
    const clock = fakeClock()
    const events: string[] = []
    const line = stringLine({
      run: (task) => {
        clock.advance(5)
        events.push(`run ${task}`)
        return task
      },
      send: (outcomes) => events.push(`send ${outcomes.join(',')}`),
      yieldTurn: async () => {
        events.push('turn')
      },
      now: clock.now,
    })
    line.push(['a', 'b'])
    await settled(() => events.includes('send b'))
    expect(events).toEqual(['run a', 'send a', 'turn', 'run b', 'send b'])
  })

  it('hands back the tasks not started, most recent first, when asked during a turn; they never run', async () => {
    const clock = fakeClock()
    const ran: string[] = []
    let handedBack: string[] = []
    const line: TaskLine<string, string> = stringLine({
      run: (task) => {
        clock.advance(2)
        ran.push(task)
        return task
      },
      yieldTurn: async () => {
        if (handedBack.length === 0) handedBack = line.reclaim(2)
      },
      now: clock.now,
    })
    line.push(['a', 'b', 'c', 'd'])
    await settled(() => line.waiting === 0 && ran.length === 2)
    expect(handedBack).toEqual(['d', 'c'])
    expect(ran).toEqual(['a', 'b'])
    expect(line.reclaim(5)).toEqual([])
  })

  it('hands back waiting tasks while an asynchronous task runs', async () => {
    let finish: (value: string) => void = () => undefined
    const ran: string[] = []
    const line = stringLine({
      run: (task) => {
        ran.push(task)
        return task === 'slow' ? new Promise<string>((resolve) => (finish = resolve)) : task
      },
    })
    line.push(['slow', 'x', 'y'])
    expect(line.reclaim(1)).toEqual(['y'])
    finish('slow')
    await settled(() => ran.length === 2)
    expect(ran).toEqual(['slow', 'x'])
  })

  it('skips a dropped task in its place in line: it never runs, and its answer keeps the order', async () => {
    const clock = fakeClock()
    const ran: string[] = []
    const sent: string[] = []
    const dropped: boolean[] = []
    const line: TaskLine<string, string> = stringLine({
      run: (task) => {
        clock.advance(2)
        ran.push(task)
        // Cancelled while the first runs: one waiting is dropped, the running one cannot be.
        if (task === 'a')
          dropped.push(
            line.drop((each) => each === 'a'),
            line.drop((each) => each === 'c'),
          )
        return task
      },
      send: (outcomes) => sent.push(...outcomes),
      now: clock.now,
    })
    line.push(['a', 'b', 'c', 'd'])
    await settled(() => sent.length === 4)
    expect(dropped).toEqual([false, true])
    expect(ran).toEqual(['a', 'b', 'd'])
    expect(sent).toEqual(['a', 'b', 'skipped c', 'd'])
  })

  it('forgets a drop when the task is handed back, and drops nothing it does not hold', async () => {
    let finish: (value: string) => void = () => undefined
    const ran: string[] = []
    const sent: string[] = []
    const line = stringLine({
      run: (task) => {
        ran.push(task)
        return task === 'slow' ? new Promise<string>((resolve) => (finish = resolve)) : task
      },
      send: (outcomes) => sent.push(...outcomes),
    })
    line.push(['slow', 'x'])
    expect(line.drop((task) => task === 'unknown')).toBe(false)
    expect(line.drop((task) => task === 'x')).toBe(true)
    expect(line.reclaim(1)).toEqual(['x'])
    // Sent here again (after the steal that took it was undone): it runs.
    line.push(['x'])
    finish('slow')
    await settled(() => sent.length === 2)
    expect(ran).toEqual(['slow', 'x'])
    expect(sent).toEqual(['slow', 'x'])
  })

  it('reads a reclaim that arrived over a real pipe while a synchronous task ran, before the next task starts', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
    const sender = new Socket()
    await new Promise<void>((resolve) => sender.connect((server.address() as AddressInfo).port, '127.0.0.1', resolve))
    const receiver = await accepted
    try {
      const ran: string[] = []
      let handedBack: string[] = []
      const line: TaskLine<string, string> = stringLine({
        run: (task) => {
          ran.push(task)
          if (task === 'first') {
            // The agent's reclaim reaches the pipe while this task keeps the thread busy.
            sender.write('reclaim')
            const end = performance.now() + 2 * SLICE_MS + 20
            while (performance.now() < end);
          }
          return task
        },
      })
      receiver.on('data', () => (handedBack = line.reclaim(10)))
      line.push(['first', 'second', 'third'])
      await settled(() => handedBack.length > 0 || ran.length === 3)
      expect(ran).toEqual(['first'])
      expect(handedBack).toEqual(['third', 'second'])
    } finally {
      sender.destroy()
      receiver.destroy()
      server.close()
    }
  })
})

describe('TaskLine memory', () => {
  it('keeps no task it ran reachable (a task holds the frame its bytes came in)', async () => {
    const { collectGarbage } = await import('../../helpers/collect-garbage.js')
    const refs: WeakRef<object>[] = []
    let done = 0
    const line = new TaskLine<{ frame: Buffer }, number>({
      run: () => 1,
      send: (outcomes) => (done += outcomes.length),
      skip: () => 0,
    })
    const pushTask = (): void => {
      const task = { frame: Buffer.alloc(64 * 1024) }
      refs.push(new WeakRef(task))
      line.push([task])
    }
    for (let i = 0; i < 200; i++) pushTask()
    await settled(() => done === 200)
    expect(await collectGarbage(refs)).toBe(0)
  })
})
