/**
 * Values and errors make the round trip client → manager → agent → child and back intact.
 */
import { describe, expect, it } from 'vitest'
import { ArgonError, TaskError } from '../../client/index.js'
import { connect, disconnect, run } from '../../client/simple.js'
import { clusterStatusSchema } from '../../protocol/index.js'
import { expectCode, fixture, openClient, startCluster, type WhereRan } from './support.js'

/** Every structured-clone type the issue names, nested. */
function richArgument() {
  return {
    date: new Date(Date.UTC(2021, 5, 1, 8, 30)),
    map: new Map<unknown, unknown>([
      [1, 'one'],
      ['nested', new Map([['k', new Set([1, 2])]])],
    ]),
    set: new Set(['a', 'b']),
    big: -(2n ** 80n),
    bytes: new Uint8Array([1, 2, 3]),
    ints: new Int32Array([-1, 0, 1]),
    floats: new Float32Array([0.5]),
    missing: undefined,
    empty: null,
    nan: Number.NaN,
    negativeZero: -0,
    deep: { a: [{ b: [{ c: new Date(0) }] }] },
  }
}

describe('task results', () => {
  it('returns the value of an inline function, sync and async', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 2 }] })
    const client = openClient(manager)

    await expect(client.process((a: number, b: number) => a + b, [2, 3])).resolves.toBe(5)
    await expect(
      client.process(
        async (text: string) => {
          await new Promise((resolve) => setTimeout(resolve, 10))
          return text.toUpperCase()
        },
        ['argon'],
      ),
    ).resolves.toBe('ARGON')
    // No arguments at all, and a result of undefined.
    await expect(client.process(() => undefined, [])).resolves.toBeUndefined()
  })

  it('keeps structured-clone types intact in both directions', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)

    const value = richArgument()
    const echoed = await client.process((v: unknown) => v, [value])
    expect(echoed).toStrictEqual(value)
    const back = echoed as ReturnType<typeof richArgument>
    expect(back.map).toBeInstanceOf(Map)
    expect(back.bytes).toBeInstanceOf(Uint8Array)
    expect(Object.is(back.negativeZero, -0)).toBe(true)
    expect('missing' in back).toBe(true)

    // Built inside the child, so the return path is checked apart from the argument path.
    const built = await client.process(fixture('richValue'), [])
    expect(built).toStrictEqual({
      date: new Date(Date.UTC(2020, 1, 29, 12, 0, 0)),
      map: new Map<string, unknown>([
        ['a', 1],
        ['b', { deep: [1, 2, 3] }],
      ]),
      set: new Set(['x', 'y']),
      big: 2n ** 70n,
      bytes: new Uint8Array([0, 1, 254, 255]),
      floats: new Float64Array([0.5, -1.25]),
      missing: undefined,
      nested: { list: [null, undefined, { re: /ab+c/gi }], nan: Number.NaN },
    })

    // The child sees real instances, not look-alikes.
    const kinds = await client.process(
      (d: Date, m: Map<string, number>, s: Set<number>, b: bigint, u: Uint8Array) => [
        d instanceof Date,
        m instanceof Map,
        s instanceof Set,
        typeof b,
        u instanceof Uint8Array,
        m.get('x'),
      ],
      [new Date(), new Map([['x', 7]]), new Set([1]), 5n, new Uint8Array(2)],
    )
    expect(kinds).toEqual([true, true, true, 'bigint', true, 7])
  })

  it('runs module tasks by export name', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)

    await expect(client.process(fixture('fib'), [20])).resolves.toBe(6765)
    await expect(client.process(fixture('sleep'), [10, 'slept'])).resolves.toBe('slept')
    const where = await client.process<[], WhereRan>(fixture('whoami'), [])
    expect(where.node).toBe('alpha')
    expect(typeof where.nodeId).toBe('string')
    expect(where.nodeId.length).toBeGreaterThan(0)
    expect(where.pid).not.toBe(process.pid)
  })

  it('re-throws a task error as TaskError with the remote name, message, stack and node', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)

    const thrown = await expectCode(client.process(fixture('fail'), ['the widget broke']), 'TASK_FAILED')
    expect(thrown).toBeInstanceOf(TaskError)
    const error = thrown as TaskError
    expect(error.message).toBe('the widget broke')
    expect(error.remoteName).toBe('FixtureError')
    expect(error.remoteStack).toContain('FixtureError')
    expect(error.remoteStack).toContain('tasks.mjs')
    expect(error.node).toBe('alpha')

    // An async rejection is the same failure.
    const later = (await expectCode(client.process(fixture('failLater'), ['later']), 'TASK_FAILED')) as TaskError
    expect(later.remoteName).toBe('FixtureError')
    expect(later.message).toBe('later')

    // Built-in error classes of an inline function keep their names too.
    const range = (await expectCode(
      client.process(() => {
        throw new RangeError('out of range')
      }, []),
      'TASK_FAILED',
    )) as TaskError
    expect(range).toBeInstanceOf(TaskError)
    expect(range.remoteName).toBe('RangeError')
    expect(range.message).toBe('out of range')
    // Its stack points at the function (named by its source URL), with none of Argon's frames.
    expect(range.remoteStack).toMatch(/at .*argon-task\/anonymous-[0-9a-f]{8}\.js:2:\d+/)
    expect(range.remoteStack).not.toMatch(/child-entry|task-source|node:internal|eval at/)

    // A thrown non-Error keeps its value, and has a stack of its own.
    const odd = (await expectCode(
      client.process(
        function refuse(limit: number) {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test: a task that throws a plain object
          throw { reason: 'over the limit', limit }
        },
        [5],
      ),
      'TASK_FAILED',
    )) as TaskError
    expect(odd.thrown).toEqual({ reason: 'over the limit', limit: 5 })
    expect(odd.message).toContain('over the limit')
    expect(odd.remoteStack).toMatch(/at refuse \(argon-task\/refuse-[0-9a-f]{8}\.js\)/)

    // A failed task leaves the worker usable.
    await expect(client.process((n: number) => n + 1, [1])).resolves.toBe(2)
  })

  it('answers a task whose module or export does not exist with an error, not a hang', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)

    const missingExport = await client.process(fixture('noSuchExport'), []).then(
      () => null,
      (error: unknown) => error,
    )
    expect(missingExport).toBeInstanceOf(ArgonError)
    expect(['TASK_FAILED', 'BAD_REQUEST']).toContain((missingExport as ArgonError).code)

    const missingModule = await client.process({ module: '/nonexistent/argon-module.mjs', export: 'x' }, []).then(
      () => null,
      (error: unknown) => error,
    )
    expect(missingModule).toBeInstanceOf(ArgonError)
    expect(['TASK_FAILED', 'BAD_REQUEST']).toContain((missingModule as ArgonError).code)

    // A result that cannot be cloned back fails the task; the worker stays usable.
    const unclonable = await client.process(fixture('unclonable'), []).then(
      () => null,
      (error: unknown) => error,
    )
    expect(unclonable).toBeInstanceOf(ArgonError)

    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
  })

  it('defers a call: a function that resolves to the result and knows when it is finished', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)

    const deferred = client.defer(fixture('sleep'), [300, 'later'])
    expect(typeof deferred).toBe('function')
    expect(deferred.isFinished()).toBe(false)
    await expect(deferred()).resolves.toBe('later')
    expect(deferred.isFinished()).toBe(true)
    // Calling it again gives the same result.
    await expect(deferred()).resolves.toBe('later')
  })

  it('maps a function over a list of arguments in order, reporting progress', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 2 }] })
    const client = openClient(manager)

    let progressCalls = 0
    const argsList = Array.from({ length: 25 }, (_, i) => [i] as [number])
    const squares = await client.map((n: number) => n * n, argsList, {
      concurrency: 4,
      onProgress: () => {
        progressCalls++
      },
    })
    expect(squares).toEqual(argsList.map(([n]) => n * n))
    expect(progressCalls).toBeGreaterThan(0)
  })

  it('reports the cluster status in the protocol shape', async () => {
    const { manager } = await startCluster({
      agents: [{ name: 'alpha', workers: 2 }],
      managerArgs: ['--queue-size', '50'],
    })
    const client = openClient(manager)

    await client.process(fixture('fib'), [5])
    const status = clusterStatusSchema.parse(await client.status())
    expect(status.queueLimit).toBe(50)
    expect(status.nodes.map((node) => node.name)).toEqual(['alpha'])
    expect(status.nodes[0]!.workers).toBe(2)
    expect(status.nodes[0]!.state).toBe('active')
    expect(status.completed).toBeGreaterThanOrEqual(1)
  })

  it('serves the simple API: connect, then run(fn, ...args)', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    connect(manager.address, { token: manager.token })
    try {
      const r = run((a: number, b: number) => a * b, 4, 7)
      await expect(r()).resolves.toBe(28)
      // The list form: the deferred itself and its isFinished.
      const [value, isFinished] = r
      await expect(value!()).resolves.toBe(28)
      expect(isFinished!()).toBe(true)
    } finally {
      await disconnect()
    }
  })
})
