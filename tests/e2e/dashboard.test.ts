/**
 * The dashboard in real Chromium, against a real headless `argon manager` with real
 * `node-agent`s: what an operator sees and does, checked against what the manager reports.
 */
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { Client } from '../../client/index.js'
import { SOCKET_PATHS } from '../../protocol/namespaces.js'
import { PROTOCOL_VERSION } from '../../protocol/version.js'
import { startAgent, startManager, type StartedManager } from '../helpers/processes.js'
import { failureUnderLaterTasks, openClient } from '../helpers/clients.js'
import { clusterStatus, taskHistory } from '../helpers/cluster-cli.js'
import { dragWithMouse, nodeCard, openBrowser, saveScreenshot } from './dashboard-browser.js'

const WAIT = { timeout: 20_000, interval: 100 }

/** Runs `count` short tasks at once and returns the names of the nodes that ran them. */
async function nodesThatRun(client: Client, count: number): Promise<string[]> {
  const runs = Array.from({ length: count }, () =>
    client.process(async () => {
      await new Promise((resolve) => setTimeout(resolve, 40))
      return process.env.ARGON_NODE_NAME ?? '?'
    }, []),
  )
  return Promise.all(runs)
}

async function nodeInStatus(manager: StartedManager, name: string) {
  return (await clusterStatus(manager)).nodes.find((node) => node.name === name)
}

describe('dashboard (Chromium, real manager and agents)', () => {
  it('shows nodes as they join, drains a node dragged out of rotation, and resumes it when dragged back', async () => {
    const manager = await startManager()
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)

    await page.getByTestId('dashboard').waitFor()
    // The token left the address bar as soon as the page read it.
    expect(page.url()).toBe(`http://${manager.address}/`)
    expect(await page.getByTestId('node-card').count()).toBe(0)

    for (const name of ['alpha', 'bravo', 'charlie']) {
      await startAgent(manager, { name, workers: 1 })
      await expect.poll(() => nodeCard(page, name).getAttribute('data-state'), WAIT).toBe('active')
    }
    const inZone = page.getByTestId('zone-in-rotation')
    const outZone = page.getByTestId('zone-out-of-rotation')
    expect(await inZone.getByTestId('node-card').count()).toBe(3)
    // The live chart drew itself under the manager's CSP.
    expect(await page.locator('[data-testid="throughput-chart"] canvas').count()).toBeGreaterThan(0)

    const client = openClient(manager)
    expect(new Set(await nodesThatRun(client, 30))).toContain('bravo')

    await dragWithMouse(page, nodeCard(page, 'bravo'), outZone)
    await expect.poll(async () => (await nodeInStatus(manager, 'bravo'))?.drained, WAIT).toBe(true)
    await expect
      .poll(() => outZone.locator('[data-node-name="bravo"]').getAttribute('data-state'), WAIT)
      .toBe('draining')
    expect((await nodeInStatus(manager, 'alpha'))?.drained).toBe(false)

    const whileDrained = await nodesThatRun(client, 30)
    expect(whileDrained).not.toContain('bravo')
    expect(new Set(whileDrained)).toEqual(new Set(['alpha', 'charlie']))

    await dragWithMouse(page, nodeCard(page, 'bravo'), inZone)
    await expect.poll(async () => (await nodeInStatus(manager, 'bravo'))?.drained, WAIT).toBe(false)
    await expect.poll(() => inZone.locator('[data-node-name="bravo"]').getAttribute('data-state'), WAIT).toBe('active')
    expect(new Set(await nodesThatRun(client, 30))).toContain('bravo')

    expect(problems).toEqual([])
  })

  it('greys a killed agent, brings its card back when it rejoins, and forgets a dismissed node', async () => {
    const manager = await startManager()
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await page.getByTestId('dashboard').waitFor()
    const alpha = await startAgent(manager, { name: 'alpha', workers: 1 })
    const bravo = await startAgent(manager, { name: 'bravo', workers: 1 })
    await expect.poll(() => page.getByTestId('node-card').count(), WAIT).toBe(2)

    bravo.kill('SIGKILL')
    await bravo.exited
    await expect.poll(() => nodeCard(page, 'bravo').getAttribute('data-state'), WAIT).toBe('offline')
    // Lost, said plainly; opening the event brings its card into view with focus.
    const lostEvent = page.locator('[data-testid="event"][data-kind="node-lost"]').first()
    await expect.poll(() => lostEvent.textContent(), WAIT).toMatch(/bravo lost: its connection closed/)
    await lostEvent.getByRole('button').click()
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-node-name')), WAIT)
      .toBe('bravo')
    // Offline nodes are a group of their own, counted in neither zone; bravo is not drained.
    expect(await page.getByTestId('zone-offline').locator('[data-node-name="bravo"]').count()).toBe(1)
    expect(await page.getByTestId('zone-in-rotation').locator('[data-node-name="bravo"]').count()).toBe(0)
    expect(await nodeCard(page, 'bravo').getByRole('button', { name: 'Drain' }).count()).toBe(1)
    expect((await nodeInStatus(manager, 'bravo'))?.state).toBe('offline')

    const bravoAgain = await startAgent(manager, { name: 'bravo', workers: 1 })
    await expect.poll(() => nodeCard(page, 'bravo').getAttribute('data-state'), WAIT).toBe('active')
    expect(await nodeCard(page, 'bravo').count()).toBe(1)
    // A graceful stop is a node that left, not a lost one.
    bravoAgain.kill('SIGTERM')
    await bravoAgain.exited
    await expect
      .poll(() => page.locator('[data-testid="event"][data-kind="node-left"]').first().textContent(), WAIT)
      .toMatch(/bravo left: the agent stopped/)

    alpha.kill('SIGKILL')
    await alpha.exited
    await expect.poll(() => nodeCard(page, 'alpha').getAttribute('data-state'), WAIT).toBe('offline')
    await nodeCard(page, 'alpha').getByRole('button', { name: 'Dismiss' }).click()
    await expect.poll(() => nodeCard(page, 'alpha').count(), WAIT).toBe(0)
    expect(await nodeInStatus(manager, 'alpha')).toBeUndefined()

    expect(problems).toEqual([])
  })

  it('shows two agents started with the same default name as two nodes, and drains only one', async () => {
    const manager = await startManager()
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await page.getByTestId('dashboard').waitFor()
    const first = await startAgent(manager, { name: null })
    await startAgent(manager, { name: null })
    await expect.poll(() => page.getByTestId('node-card').count(), WAIT).toBe(2)
    const names = await page
      .getByTestId('node-card')
      .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-node-name')))
    expect(new Set(names).size).toBe(2)
    const numbered = names.find((name) => name?.endsWith('-2'))!
    expect(numbered).toBeDefined()

    await nodeCard(page, numbered).getByRole('button', { name: 'Drain' }).click()
    await expect.poll(async () => (await nodeInStatus(manager, numbered))?.drained, WAIT).toBe(true)
    expect((await clusterStatus(manager)).nodes.filter((node) => node.drained)).toHaveLength(1)

    // Both stop; the page keeps showing the cluster (offline cards), never a loading screen.
    first.kill('SIGKILL')
    await expect.poll(() => page.locator('[data-testid="node-card"][data-state="offline"]').count(), WAIT).toBe(1)
    expect(await page.getByTestId('status-screen').count()).toBe(0)
    expect(problems).toEqual([])
  })

  it('finds a failure after 5,000 later tasks: from the Failures figure, the status filter and the search box', async () => {
    const manager = await startManager({ args: ['--task-history', '1000', '--failure-history', '100'] })
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await page.getByTestId('dashboard').waitFor()
    const client = openClient(manager)
    const { failure } = await failureUnderLaterTasks(client, 5000)
    expect(failure).not.toBeNull()
    const [failed] = await taskHistory(manager, ['--failed'])
    expect(failed).toBeDefined()
    const row = page.locator(`[data-testid="task-row"][data-task-id="${failed!.id}"]`)

    await page.getByTestId('summary-failures').click()
    await expect.poll(() => row.count(), WAIT).toBe(1)
    await row.click()
    await expect.poll(() => page.getByTestId('task-error-message').textContent(), WAIT).toBe('row 7 is out of range')
    await page.keyboard.press('Escape')

    await page.getByTestId('task-status-filter').selectOption('all')
    await page.getByTestId('task-search').fill(failed!.id.slice(-10))
    await expect.poll(() => page.getByTestId('task-row').count(), WAIT).toBe(1)
    expect(await row.getAttribute('data-status')).toBe('failed')

    // Scrolling the unfiltered table reaches older pages from the manager.
    await page.getByTestId('task-search').fill('')
    await expect.poll(() => page.getByTestId('task-row').count(), WAIT).toBeGreaterThanOrEqual(100)
    await page.getByTestId('task-scroll').evaluate((box) => box.scrollTo(0, box.scrollHeight))
    await expect.poll(() => page.getByTestId('task-row').count(), WAIT).toBeGreaterThanOrEqual(200)
    expect(problems).toEqual([])
  })

  it('drains and resumes a node with the keyboard alone, keeping focus on its card', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 1 })
    await startAgent(manager, { name: 'bravo', workers: 1 })
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await expect.poll(() => page.getByTestId('node-card').count(), WAIT).toBe(2)
    const focusedNode = () =>
      page.evaluate(
        () =>
          document.activeElement?.closest('[data-testid="node-card"]')?.getAttribute('data-node-name') ??
          document.activeElement?.tagName,
      )

    // Tab from the top of the page until the bravo card has focus.
    await page.locator('body').focus()
    for (let presses = 0; presses < 60 && (await focusedNode()) !== 'bravo'; presses++) await page.keyboard.press('Tab')
    expect(await focusedNode()).toBe('bravo')
    const ring = await nodeCard(page, 'bravo').evaluate((card) => getComputedStyle(card).outlineStyle)
    expect(ring).not.toBe('none')

    await page.keyboard.press('ArrowRight')
    await expect.poll(async () => (await nodeInStatus(manager, 'bravo'))?.drained, WAIT).toBe(true)
    await expect
      .poll(() => page.getByTestId('zone-out-of-rotation').locator('[data-node-name="bravo"]').count(), WAIT)
      .toBe(1)
    expect(await focusedNode()).toBe('bravo')

    await page.keyboard.press('ArrowLeft')
    await expect.poll(async () => (await nodeInStatus(manager, 'bravo'))?.drained, WAIT).toBe(false)
    expect(await focusedNode()).toBe('bravo')

    // The card's own button, pressed with Enter, keeps focus on the card too.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Drain')
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await nodeInStatus(manager, 'bravo'))?.drained, WAIT).toBe(true)
    expect(await focusedNode()).toBe('bravo')
    expect(problems).toEqual([])
  })

  it('fits every screen: no sideways scroll at 1400, 1024, 390 and 360 px, in dark and light themes', async () => {
    const manager = await startManager()
    for (const name of ['atlas', 'borealis-with-a-rather-long-node-name'])
      await startAgent(manager, { name, workers: 2 })
    const client = openClient(manager)
    await client
      .process(
        (row: number) => {
          throw new RangeError(`row ${row} is out of range`)
        },
        [3],
      )
      .catch(() => undefined)
    await nodesThatRun(client, 8)
    await client.map((x: number) => x, [[1], [2]], {
      job: 'a job with a rather long name that must not widen the page',
    })
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await expect.poll(() => page.getByTestId('node-card').count(), WAIT).toBe(2)
    await nodeCard(page, 'atlas').getByRole('button', { name: 'Drain' }).click()
    await expect.poll(() => page.getByTestId('task-row').count(), WAIT).toBeGreaterThan(0)

    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const width of [1400, 1024, 390, 360]) {
        await page.setViewportSize({ width, height: 900 })
        // Whatever sticks out past the right edge, by test id or tag, for a readable failure.
        const measure = () =>
          page.evaluate(() => {
            const limit = document.documentElement.clientWidth
            const wide = Array.from(document.querySelectorAll<HTMLElement>('body *'))
              .filter((el) => el.getBoundingClientRect().right > limit + 0.5 && el.getClientRects().length > 0)
              .slice(0, 5)
              .map((el) => el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}.${el.className}`)
            return { scroll: document.documentElement.scrollWidth - limit, wide }
          })
        // Layout settles within a frame or two of the resize (the chart redraws on a ResizeObserver).
        await expect
          .poll(measure, { ...WAIT, timeout: 5000, message: `${scheme} ${width}px` })
          .toEqual({ scroll: 0, wide: [] })
        // The task table keeps its status column on screen.
        const status = await page.getByTestId('task-row').first().locator('td').last().boundingBox()
        expect(status!.x + status!.width, `${scheme} ${width}px`).toBeLessThanOrEqual(width)
        await saveScreenshot(page, `dashboard-${scheme}-${width}.png`)
      }
    }
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background).not.toBe('rgb(13, 16, 22)')
    expect(problems).toEqual([])
  })

  it('pauses and resumes dispatch, and resizes a node from its card', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 1 })
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await expect.poll(() => nodeCard(page, 'alpha').getAttribute('data-state'), WAIT).toBe('active')
    const client = openClient(manager)

    await page.getByTestId('pause-button').click()
    await expect.poll(async () => (await clusterStatus(manager)).paused, WAIT).toBe(true)
    const calls = Array.from({ length: 5 }, (_, i) => client.process((x: number) => x + 100, [i]))
    await expect.poll(() => page.getByTestId('paused-banner').textContent(), WAIT).toContain('5 now')
    await page.getByTestId('paused-banner').getByRole('button', { name: 'Resume dispatch' }).click()
    expect(await Promise.all(calls)).toEqual([100, 101, 102, 103, 104])
    await expect.poll(() => page.getByTestId('paused-banner').count(), WAIT).toBe(0)

    await nodeCard(page, 'alpha').getByTestId('scale-up').click()
    await expect.poll(async () => (await nodeInStatus(manager, 'alpha'))?.workers, WAIT).toBe(2)
    await expect.poll(() => nodeCard(page, 'alpha').getByTestId('node-workers').textContent(), WAIT).toBe('2')
    await expect.poll(() => nodeCard(page, 'alpha').getByTestId('worker-dot').count(), WAIT).toBe(2)
    await nodeCard(page, 'alpha').getByTestId('scale-down').click()
    await expect.poll(async () => (await nodeInStatus(manager, 'alpha'))?.workers, WAIT).toBe(1)
    expect(await client.process((x: number) => x * 2, [21])).toBe(42)
    expect(problems).toEqual([])
  })

  it("shows a map's job with its progress bar, and cancels it from its Cancel button", async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await expect.poll(() => nodeCard(page, 'alpha').getAttribute('data-state'), WAIT).toBe('active')
    const client = openClient(manager)
    const mapped = client.map(
      async (ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms))
        return ms
      },
      Array.from({ length: 40 }, () => [300] as [number]),
      { concurrency: 4, job: 'render frames' },
    )
    mapped.catch(() => undefined)
    const job = page.getByTestId('job').filter({ hasText: 'render frames' })
    const bar = job.getByRole('progressbar')
    await expect.poll(() => bar.getAttribute('aria-valuemax'), WAIT).toBe('40')
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), WAIT).toBeGreaterThanOrEqual(4)
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(40)
    expect(await job.getAttribute('data-state')).toBe('running')
    await expect.poll(() => job.getByTestId('job-counts').textContent(), WAIT).toMatch(/\d+ \/ 40/)

    await job.getByTestId('job-cancel').click()
    await job.getByTestId('job-cancel-confirm').click()
    const error = await mapped.then(
      () => null,
      (reason: unknown) => reason as { code?: string },
    )
    expect(error?.code).toBe('CANCELLED')
    await expect.poll(() => job.getAttribute('data-state'), WAIT).toBe('cancelled')
    await expect.poll(async () => (await clusterStatus(manager)).running, WAIT).toBe(0)
    expect((await clusterStatus(manager)).queued).toBe(0)
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(40)
    expect(problems).toEqual([])
  })

  it('shows what a task wrote to stdout and stderr in its details', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 1 })
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await expect.poll(() => nodeCard(page, 'alpha').getAttribute('data-state'), WAIT).toBe('active')
    const client = openClient(manager, { taskOutput: 'ignore' })
    await client.process(
      (rows: number) => {
        console.log(`loaded ${rows} rows`)
        console.error('row 2 is empty')
        return rows
      },
      [3],
    )
    const row = page.getByTestId('task-row').first()
    await expect.poll(() => row.count(), WAIT).toBe(1)
    await row.click()
    const output = page.getByTestId('task-output')
    await expect.poll(() => output.textContent(), WAIT).toBe('loaded 3 rows\nrow 2 is empty\n')
    await saveScreenshot(page, 'task-output-1440.png')
    expect(problems).toEqual([])
  })

  it('shows nothing of the cluster without a valid token, and the control socket refuses it', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'secret-node', workers: 1 })
    const { page, problems } = await openBrowser()

    await page.goto(`http://${manager.address}/`)
    await page.getByTestId('token-form').waitFor()
    expect(await page.getByTestId('dashboard').count()).toBe(0)
    expect(await page.locator('body').innerText()).not.toContain('secret-node')

    await page.getByLabel('Token').fill('not-the-token')
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByTestId('token-refused').waitFor()
    expect(await page.getByTestId('node-card').count()).toBe(0)
    expect(await page.locator('body').innerText()).not.toContain('secret-node')
    // A refused token is not kept for the next visit.
    expect(await page.evaluate(() => sessionStorage.getItem('argon.token'))).toBeNull()

    // The same refusal, seen from a plain Socket.IO client on the control namespace.
    for (const auth of [{ token: 'not-the-token', protocol: PROTOCOL_VERSION }, { protocol: PROTOCOL_VERSION }]) {
      const socket = io(`http://${manager.address}/control`, {
        path: SOCKET_PATHS.control,
        auth,
        reconnection: false,
        transports: ['websocket'],
      })
      try {
        const outcome = await new Promise<string>((resolve) => {
          socket.on('connect', () => resolve('connected'))
          socket.on('connect_error', (error: Error & { data?: { code?: string } }) =>
            resolve(error.data?.code ?? 'no-code'),
          )
        })
        expect(outcome).toBe('UNAUTHORIZED')
      } finally {
        socket.close()
      }
    }

    await page.getByLabel('Token').fill(manager.token)
    await page.getByRole('button', { name: 'Connect' }).click()
    await expect.poll(() => nodeCard(page, 'secret-node').getAttribute('data-state'), WAIT).toBe('active')
    // Kept for the tab: a reload stays signed in.
    await page.reload()
    await expect.poll(() => nodeCard(page, 'secret-node').count(), WAIT).toBe(1)

    expect(problems).toEqual([])
  })

  it('rides out a manager restart, and asks for a token again when the new manager has another', async () => {
    const first = await startManager()
    await startAgent(first, { name: 'alpha', workers: 1 })
    const { page, problems } = await openBrowser()
    await page.goto(`http://${first.address}/?token=${first.token}`)
    await expect.poll(() => nodeCard(page, 'alpha').getAttribute('data-state'), WAIT).toBe('active')

    first.kill('SIGKILL')
    await first.exited
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-phase'), WAIT).toBe('reconnecting')
    // The last known cluster stays on screen, marked stale, while the link is down.
    expect(await nodeCard(page, 'alpha').count()).toBe(1)

    const second = await startManager({ port: first.port, token: first.token })
    await startAgent(second, { name: 'bravo', workers: 1 })
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-phase'), WAIT).toBe('connected')
    await expect.poll(() => nodeCard(page, 'bravo').getAttribute('data-state'), WAIT).toBe('active')
    // alpha's agent outlived the manager and rejoins the new one on its own.
    await expect.poll(() => nodeCard(page, 'alpha').getAttribute('data-state'), WAIT).toBe('active')
    const shown = await page
      .getByTestId('node-card')
      .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-node-name')))
    expect(shown.sort()).toEqual((await clusterStatus(second)).nodes.map((node) => node.name).sort())

    second.kill('SIGKILL')
    await second.exited
    await startManager({ port: first.port, token: 'another-token-0123456789' })
    await page.getByTestId('token-refused').waitFor({ timeout: WAIT.timeout })
    expect(await page.getByTestId('node-card').count()).toBe(0)

    // Chromium itself logs each refused attempt while no manager listens, and a request cut when
    // the manager was killed; nothing else may show.
    const expectedWhileDown = [
      'ERR_CONNECTION_REFUSED',
      'ERR_INCOMPLETE_CHUNKED_ENCODING',
      'ERR_CONNECTION_RESET',
      'ERR_EMPTY_RESPONSE',
    ]
    expect(problems.filter((problem) => !expectedWhileDown.some((code) => problem.includes(code)))).toEqual([])
  })

  it('shows a busy three-node cluster with one node draining (screenshot kept as a test artifact)', async () => {
    const manager = await startManager()
    const { page, problems } = await openBrowser()
    await page.goto(`http://${manager.address}/?token=${manager.token}`)
    await page.getByTestId('dashboard').waitFor()
    for (const name of ['atlas', 'borealis', 'cobalt']) await startAgent(manager, { name, workers: 2 })
    await expect.poll(() => page.getByTestId('node-card').count(), WAIT).toBe(3)

    const client = openClient(manager)
    // A few failures for the task table and the event log, and long tasks to keep workers busy.
    const failures = [0, 1].map((n) =>
      client
        .process(
          (i: number) => {
            throw new RangeError(`row ${i} is out of range`)
          },
          [n],
        )
        .catch(() => undefined),
    )
    await Promise.all(failures)
    await nodesThatRun(client, 24)
    const load = Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        client
          .process(
            async (ms: number) => {
              await new Promise((resolve) => setTimeout(resolve, ms))
              return ms
            },
            [2500 + (i % 4) * 100],
          )
          .catch(() => undefined),
      ),
    )

    // Let the chart gather a few seconds of throughput first.
    const done = async () =>
      Number((await page.getByTestId('summary-rate').locator('.sub').textContent())?.replace(/\D/g, ''))
    await expect.poll(done, { ...WAIT, timeout: 40_000 }).toBeGreaterThanOrEqual(44)
    // Drain one node while it is busy, so the picture shows a node finishing its last tasks.
    await expect.poll(() => nodeCard(page, 'cobalt').locator('[data-busy="true"]').count(), WAIT).toBeGreaterThan(0)
    await nodeCard(page, 'cobalt').getByRole('button', { name: 'Drain' }).click()
    await expect
      .poll(() => nodeCard(page, 'cobalt').getByTestId('rotation-note').textContent(), WAIT)
      .toMatch(/draining — \d+ running/)
    await expect.poll(() => page.getByTestId('summary-slots').textContent(), WAIT).toMatch(/[1-9]\d*\/6/)

    await saveScreenshot(page, 'busy-cluster-1440.png')

    await client.close()
    await load
    expect(problems).toEqual([])
  })
})
