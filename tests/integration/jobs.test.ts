/**
 * Jobs with a real manager, agents and clients on loopback: a map's progress as the manager
 * reports it, `argon jobs`, cancelling from the CLI and from the client, and a client that leaves.
 */
import { readdirSync } from 'node:fs'
import { io, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NAMESPACES, PROTOCOL_VERSION, SOCKET_PATHS, type JobStatus, type Reply } from '../../protocol/index.js'
import { join } from 'node:path'
import { createManager } from '../../manager/index.js'
import {
  ROOT,
  runArgon,
  startAgent,
  startManager,
  startProcess,
  type StartedManager,
  managerFlags,
} from '../helpers/processes.js'
import { expectCode, fixture, markerDir, openClient, waitForFiles, waitForStatus, withTimeout } from './support.js'

const WAIT = { timeout: 20_000, interval: 100 }

const sockets: Socket[] = []
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close()
})

async function controlSocket(manager: StartedManager): Promise<Socket> {
  const socket = io(`http://${manager.address}${NAMESPACES.control}`, {
    path: SOCKET_PATHS.control,
    transports: ['websocket'],
    auth: { token: manager.token, protocol: PROTOCOL_VERSION },
    reconnection: false,
  })
  sockets.push(socket)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return socket
}

async function jobs(socket: Socket): Promise<JobStatus[]> {
  const reply = (await socket.timeout(5000).emitWithAck('jobs:list')) as Reply<JobStatus[]>
  if (!reply.ok) throw new Error(reply.error.message)
  return reply.value
}

async function jobNamed(socket: Socket, name: string): Promise<JobStatus> {
  const job = (await jobs(socket)).find((each) => each.name === name)
  if (job === undefined) throw new Error(`no job ${name} yet`)
  return job
}

describe('jobs', () => {
  it("shows a map's progress, rate and ETA on the manager and in `argon jobs`, and ends it done", async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const client = openClient(manager)
    const socket = await controlSocket(manager)
    const progress: number[] = []
    const mapped = client.map(
      fixture('sleep'),
      Array.from({ length: 40 }, (_, i) => [60, i] as [number, number]),
      {
        concurrency: 4,
        job: 'resize photos',
        onProgress: (done) => progress.push(done),
      },
    )
    // Part way: counted, with a rate and an ETA.
    const partWay = await vi.waitFor(async () => {
      const job = await jobNamed(socket, 'resize photos')
      if (job.done < 8 || job.rate <= 0) throw new Error(`only ${job.done} done`)
      return job
    }, WAIT)
    expect(partWay).toMatchObject({ state: 'running', total: 40, failed: 0, clientConnected: true })
    expect(partWay.done).toBeLessThan(40)
    expect(partWay.inFlight).toBeGreaterThan(0)
    expect(partWay.etaMs).toBeGreaterThan(0)
    expect(await mapped).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect(progress.at(-1)).toBe(40)
    const finished = await vi.waitFor(async () => {
      const job = await jobNamed(socket, 'resize photos')
      if (job.state === 'running') throw new Error('still running')
      return job
    }, WAIT)
    expect(finished).toMatchObject({ state: 'done', done: 40, failed: 0, inFlight: 0, etaMs: null })
    const table = await runArgon(['jobs', ...managerFlags(manager)])
    expect(table.code, table.output).toBe(0)
    expect(table.output).toMatch(/ID\s+NAME\s+STATE\s+PROGRESS\s+DONE\s+FAILED\s+RUNNING\s+TOTAL\s+RATE\s+ETA/)
    expect(table.output).toMatch(new RegExp(`${finished.id}\\s+resize photos\\s+done\\s+100%\\s+40\\s+0\\s+0\\s+40`))
    const listed = await runArgon(['jobs', '--json', ...managerFlags(manager)])
    expect(listed.code, listed.output).toBe(0)
    expect(JSON.parse(listed.output.slice(listed.output.indexOf('[')))).toEqual([
      expect.objectContaining({ id: finished.id, name: 'resize photos', state: 'done', done: 40 }),
    ])
  })

  it('cancels a job from `argon jobs cancel`: its queued and running tasks are cancelled and its map rejects with CANCELLED', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 1 })
    const client = openClient(manager)
    const socket = await controlSocket(manager)
    const dir = markerDir()
    // One runs (for 30 s unless killed), four wait behind it, the rest are not sent yet.
    const mapped = client.map(
      fixture('markAndSleep'),
      Array.from({ length: 12 }, (_, i) => [dir, `t${i}`, 30_000]),
      {
        concurrency: 5,
        job: 'long sleeps',
      },
    )
    mapped.catch(() => undefined)
    await waitForFiles(dir, 1)
    const job = await vi.waitFor(() => jobNamed(socket, 'long sleeps'), WAIT)
    expect(job).toMatchObject({ state: 'running', total: 12, inFlight: 5 })

    const cancelled = await runArgon(['jobs', 'cancel', String(job.id), ...managerFlags(manager)])
    expect(cancelled.code, cancelled.output).toBe(0)
    expect(cancelled.output).toContain(`job ${job.id} (long sleeps): cancelled`)
    await withTimeout(expectCode(mapped, 'CANCELLED'), 10_000, 'the cancelled map')

    // Nothing of the job is left queued or running, and nothing more of it started.
    await waitForStatus(client, (status) => {
      expect(status.queued).toBe(0)
      expect(status.running).toBe(0)
    })
    expect(readdirSync(dir)).toEqual(['t0'])
    const after = await vi.waitFor(async () => {
      const current = await jobNamed(socket, 'long sleeps')
      if (current.inFlight > 0) throw new Error('the client has not reported yet')
      return current
    }, WAIT)
    expect(after).toMatchObject({ state: 'cancelled', cancelRequested: true, done: 0, failed: 0 })
    // The worker is free again: the running task was killed, not left to sleep its 30 s.
    expect(
      await withTimeout(
        client.process((x: number) => x * 2, [21]),
        10_000,
        'a task after the cancel',
      ),
    ).toBe(42)

    // Cancelling again changes nothing; an unknown job is NOT_FOUND (exit code 3); a bad id is refused.
    const again = await runArgon(['jobs', 'cancel', String(job.id), '--json', ...managerFlags(manager)])
    expect(again.code, again.output).toBe(0)
    expect(JSON.parse(again.output.slice(again.output.indexOf('{')))).toMatchObject({ id: job.id, state: 'cancelled' })
    const unknown = await runArgon(['jobs', 'cancel', '9999', ...managerFlags(manager)])
    expect(unknown.code).toBe(3)
    expect(unknown.output).toContain('NOT_FOUND')
    const bad = (await socket.timeout(5000).emitWithAck('job:cancel', { id: 'seven' })) as Reply<JobStatus>
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
  })

  it('marks the jobs of a client that died as away, then abandoned once it stays away', async () => {
    // Embedded, to shorten how long the manager waits for a client to come back.
    const manager = await createManager({
      host: '127.0.0.1',
      port: 0,
      token: 'test-token-0123456789abcdef',
      logger: false,
      resultRetentionMs: 1500,
    })
    try {
      const target = { address: `127.0.0.1:${manager.port}`, token: manager.token, port: manager.port }
      await startAgent(target, { name: 'alpha', workers: 2 })
      const clientProcess = startProcess(join(ROOT, 'tests/fixtures/job-client.mjs'), [
        String(manager.port),
        manager.token,
      ])
      await clientProcess.waitFor(/job started/)
      const socket = await controlSocket(target as StartedManager)
      const job = await vi.waitFor(async () => {
        const current = await jobNamed(socket, 'orphaned job')
        if (current.inFlight < 2) throw new Error('not both running yet')
        return current
      }, WAIT)
      expect(job).toMatchObject({ state: 'running', clientConnected: true, total: 20 })
      clientProcess.kill('SIGKILL')
      await clientProcess.exited
      await vi.waitFor(
        async () =>
          expect(await jobNamed(socket, 'orphaned job')).toMatchObject({ state: 'running', clientConnected: false }),
        WAIT,
      )
      const abandoned = await vi.waitFor(async () => {
        const current = await jobNamed(socket, 'orphaned job')
        if (current.state === 'running') throw new Error('still waiting for its client')
        return current
      }, WAIT)
      expect(abandoned).toMatchObject({ state: 'abandoned', etaMs: null })
      expect(abandoned.finishedAt).not.toBeNull()
      // Nobody will take their results: its two 30 s tasks are cancelled now.
      await vi.waitFor(() => expect(manager.status()).toMatchObject({ running: 0, queued: 0 }), WAIT)
    } finally {
      await manager.close()
    }
  })

  it('cancels the tasks of a job whose client is away, on the manager itself', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const clientProcess = startProcess(join(ROOT, 'tests/fixtures/job-client.mjs'), [
      String(manager.port),
      manager.token,
    ])
    await clientProcess.waitFor(/job started/)
    const socket = await controlSocket(manager)
    const job = await vi.waitFor(async () => {
      const current = await jobNamed(socket, 'orphaned job')
      if (current.inFlight < 2) throw new Error('not both running yet')
      return current
    }, WAIT)
    clientProcess.kill('SIGKILL')
    await clientProcess.exited
    await vi.waitFor(
      async () => expect(await jobNamed(socket, 'orphaned job')).toMatchObject({ clientConnected: false }),
      WAIT,
    )
    const cancelled = (await socket.timeout(5000).emitWithAck('job:cancel', { id: job.id })) as Reply<JobStatus>
    expect(cancelled).toMatchObject({ ok: true, value: { state: 'cancelled' } })
    // Both 30 s tasks stop now, not when they are done.
    await vi.waitFor(async () => {
      const status = await runArgon(['nodes', '--json', ...managerFlags(manager)])
      expect(JSON.parse(status.output.slice(status.output.indexOf('{')))).toMatchObject({ running: 0, queued: 0 })
    }, WAIT)
  })

  it('groups tasks with client.job(name); job.cancel() and client.close() end jobs cancelled', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const client = openClient(manager)
    const socket = await controlSocket(manager)

    const report = client.job('nightly report')
    const parts = await Promise.all([
      report.process((x: number) => x + 1, [1]),
      report.process((x: number) => x + 2, [1]),
    ])
    expect(parts).toEqual([2, 3])
    await expectCode(report.process(fixture('fail'), ['no data for tuesday']), 'TASK_FAILED')
    report.end()
    expect(report.progress).toEqual({
      name: 'nightly report',
      total: 3,
      done: 2,
      failed: 1,
      inFlight: 0,
      state: 'failed',
    })
    await expectCode(
      report.process((x: number) => x, [1]),
      'BAD_REQUEST',
    )
    const nightly = await vi.waitFor(async () => {
      const job = await jobNamed(socket, 'nightly report')
      expect(job).toMatchObject({ state: 'failed', done: 2, failed: 1 })
      return job
    }, WAIT)
    // A finished job is not cancelled.
    const late = await runArgon(['jobs', 'cancel', String(nightly.id), ...managerFlags(manager)])
    expect(late.code, late.output).toBe(0)
    expect(late.output).toContain('had already finished: failed')

    const dir = markerDir()
    const sleeps = client.job('sleeps', { total: 10 })
    const running = [0, 1].map((i) => sleeps.process(fixture('markAndSleep'), [dir, `s${i}`, 30_000]))
    await waitForFiles(dir, 2)
    sleeps.cancel()
    for (const call of running) await expectCode(call, 'CANCELLED')
    await expectCode(
      sleeps.process((x: number) => x, [1]),
      'CANCELLED',
    )
    await vi.waitFor(
      async () =>
        expect(await jobNamed(socket, 'sleeps')).toMatchObject({ state: 'cancelled', total: 10, inFlight: 0 }),
      WAIT,
    )

    const other = openClient(manager)
    const left = other.job('left behind')
    const pending = left.process(fixture('markAndSleep'), [dir, 'left', 30_000])
    pending.catch(() => undefined)
    await waitForFiles(dir, 3)
    await other.close()
    await expectCode(pending, 'CANCELLED')
    await vi.waitFor(
      async () => expect(await jobNamed(socket, 'left behind')).toMatchObject({ state: 'cancelled' }),
      WAIT,
    )
    await waitForStatus(client, (status) => expect(status.running).toBe(0))
  })
})
