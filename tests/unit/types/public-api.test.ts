/**
 * Type tests of the client library's public API: `npm run typecheck` compiles this file, so an
 * assertion that no longer holds (or a `@ts-expect-error` line that starts to compile) fails the
 * build. Nothing here connects: the functions that use a client are never called.
 */
import { describe, expectTypeOf, it } from 'vitest'
import {
  ArgonError,
  Client,
  TaskError,
  type CallOptions,
  type ClientOptions,
  type Deferred,
  type DeferredPair,
  type ErrorCode,
  type Job,
  type JobProgress,
  type MapOptions,
  type ModuleTask,
  type TaskOutput,
} from '../../../client/index.js'
import { connect, disconnect, run } from '../../../client/simple.js'

describe('Client options', () => {
  it('are all optional, with the documented types', () => {
    expectTypeOf<ClientOptions>().toEqualTypeOf<Partial<ClientOptions>>()
    expectTypeOf<ClientOptions['port']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<ClientOptions['ca']>().toEqualTypeOf<string | Buffer | (string | Buffer)[] | undefined>()
    expectTypeOf<NonNullable<ClientOptions['taskOutput']>>().toEqualTypeOf<
      'print' | 'ignore' | ((output: TaskOutput) => void)
    >()
    expectTypeOf<CallOptions['priority']>().toEqualTypeOf<'high' | 'normal' | 'low' | undefined>()
    expectTypeOf<MapOptions>().toMatchTypeOf<CallOptions>()
    expectTypeOf<MapOptions['onProgress']>().toEqualTypeOf<((done: number, total: number) => void) | undefined>()
    expectTypeOf(Client).constructorParameters.toEqualTypeOf<[options?: ClientOptions]>()
  })
})

describe('process, defer, map', () => {
  it('infer the result from the function, awaiting a promise it returns', () => {
    const use = (client: Client) => {
      expectTypeOf(client.process((a: number, b: number) => a + b, [4, 7])).toEqualTypeOf<Promise<number>>()
      expectTypeOf(client.process(async (name: string) => name.length, ['x'])).toEqualTypeOf<Promise<number>>()
      expectTypeOf(client.map((x: number) => String(x), [[1], [2]])).toEqualTypeOf<Promise<string[]>>()
      // @ts-expect-error the arguments must match the function's parameters
      void client.process((a: number) => a, ['not a number'])
      // @ts-expect-error arguments go as an array
      void client.process((a: number) => a, 1)
    }
    expectTypeOf(use).toBeFunction()
  })

  it('take a module export as the task, typed by the caller', () => {
    const use = (client: Client) => {
      const task: ModuleTask = { module: './tasks.js', export: 'resize' }
      expectTypeOf(client.process<[string], Buffer>(task, ['a.png'])).toEqualTypeOf<Promise<Buffer>>()
      expectTypeOf(client.process(task, [1, 'any'])).toEqualTypeOf<Promise<unknown>>()
    }
    expectTypeOf(use).toBeFunction()
  })

  it('defer returns a deferred: call it for the value, ask isFinished, or take the [deferred, isFinished] pair', () => {
    const use = async (client: Client) => {
      const later = client.defer((x: number, y: number) => x * y, [4, 7])
      expectTypeOf(later).toEqualTypeOf<Deferred<number>>()
      expectTypeOf(later()).toEqualTypeOf<Promise<number>>()
      expectTypeOf(later.isFinished()).toBeBoolean()
      // The pair, typed by position.
      expectTypeOf(later.pair).toEqualTypeOf<DeferredPair<number>>()
      const [deferred, isFinished] = later.pair
      expectTypeOf(deferred).toEqualTypeOf<Deferred<number>>()
      expectTypeOf(isFinished).toEqualTypeOf<() => boolean>()
      // @ts-expect-error the pair has two elements
      void later.pair[2]
      // Destructured through its iterator (the JavaScript form), each element is one or the other until narrowed.
      const [first, second] = later
      expectTypeOf(first).toEqualTypeOf<Deferred<number> | (() => boolean) | undefined>()
      expectTypeOf(second).toEqualTypeOf<Deferred<number> | (() => boolean) | undefined>()
      expectTypeOf(await later()).toBeNumber()
    }
    expectTypeOf(use).toBeFunction()
  })

  it('status and close are promises; a job counts the tasks run through it', () => {
    const use = (client: Client) => {
      expectTypeOf(client.close()).toEqualTypeOf<Promise<void>>()
      const job = client.job('nightly', { total: 2 })
      expectTypeOf(job).toEqualTypeOf<Job>()
      expectTypeOf(job.progress).toEqualTypeOf<JobProgress>()
      expectTypeOf(job.process((s: string) => s.length, ['ab'])).toEqualTypeOf<Promise<number>>()
    }
    expectTypeOf(use).toBeFunction()
  })
})

describe('the simple API', () => {
  it('connect returns the client, run starts a deferred on it', () => {
    expectTypeOf(connect).parameters.toEqualTypeOf<[address?: string, options?: Omit<ClientOptions, 'host' | 'port'>]>()
    expectTypeOf(connect).returns.toEqualTypeOf<Client>()
    const use = () => {
      expectTypeOf(run((a: number, b: number) => a * b, 4, 7)).toEqualTypeOf<Deferred<number>>()
      // @ts-expect-error run takes the arguments one by one, typed by the function
      run((a: number, b: number) => a * b, 4, 'x')
    }
    expectTypeOf(use).toBeFunction()
    expectTypeOf(disconnect).returns.toEqualTypeOf<Promise<void>>()
  })
})

describe('errors', () => {
  it('carry a code from the union, and a TaskError the remote error', () => {
    expectTypeOf<ArgonError['code']>().toEqualTypeOf<ErrorCode>()
    expectTypeOf<ArgonError['retryable']>().toBeBoolean()
    expectTypeOf<TaskError>().toMatchTypeOf<ArgonError>()
    expectTypeOf<TaskError['remoteName']>().toBeString()
    expectTypeOf<TaskError['remoteStack']>().toBeString()
    expectTypeOf<TaskError['thrown']>().toBeUnknown()
    expectTypeOf<'QUEUE_FULL'>().toMatchTypeOf<ErrorCode>()
    expectTypeOf<'NO_SUCH_CODE'>().not.toMatchTypeOf<ErrorCode>()
  })
})
