// Makes the README's picture of the dashboard (docs/dashboard.png), on purpose and only when run:
// `npm run screenshot`. The e2e tests keep their screenshots in test-artifacts/ and never touch
// tracked files. Starts a real manager, three agents and a client on 127.0.0.1, drives some work
// (with a few failures and one node draining), shoots the page in Chromium, and stops everything
// it started, by pid.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const OUT = join(ROOT, 'docs/dashboard.png')
const TOKEN = 'screenshot-token-0123456789abcdef'
const CHROMIUM = process.env.ARGON_E2E_CHROMIUM ?? '/usr/bin/chromium'
const home = mkdtempSync(join(tmpdir(), 'argon-screenshot-'))
const started = []

function start(script, args) {
  const child = spawn(process.execPath, [join(ROOT, script), ...args], {
    env: { ...process.env, ARGON_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const waiters = []
  const onData = (chunk) => {
    output += chunk
    for (const wake of waiters.splice(0)) wake()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  started.push(child)
  const waitFor = (pattern, ms = 30_000) =>
    new Promise((resolveMatch, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}:\n${output}`)), ms)
      const check = () => {
        const match = output.match(pattern)
        if (match) {
          clearTimeout(timer)
          resolveMatch(match)
        } else waiters.push(check)
      }
      check()
    })
  return { child, waitFor }
}

async function until(check, what, ms = 60_000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((next) => setTimeout(next, 200))
  }
  throw new Error(`timed out waiting for ${what}`)
}

let browser
try {
  const manager = start('dist/cli/argon.js', ['manager', '--host', '127.0.0.1', '--port', '0', '--token', TOKEN])
  const port = Number((await manager.waitFor(/listening on http:\/\/[^\s:]+:(\d+)/))[1])
  for (const name of ['atlas', 'borealis', 'cobalt']) {
    await start('dist/node-agent/cli.js', [
      '--join',
      `127.0.0.1:${port}`,
      '--token',
      TOKEN,
      '--name',
      name,
      '--workers',
      '2',
    ]).waitFor(/joined manager/)
  }
  const { Client } = await import(join(ROOT, 'dist/client/index.js'))
  const client = new Client({ host: '127.0.0.1', port, token: TOKEN })

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  })
  const page = await browser.newPage({
    viewport: { width: 1400, height: 960 },
    deviceScaleFactor: 1,
    colorScheme: 'dark',
  })
  await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}`)
  await page.getByTestId('node-card').nth(2).waitFor()

  for (const row of [3, 8]) {
    await client
      .process(
        (n) => {
          const cells = String(n).split(',')
          return cells[3].trim()
        },
        [row],
      )
      .catch(() => undefined)
  }
  await client.map(
    (x) => x * x,
    Array.from({ length: 400 }, (_, i) => [i]),
    { concurrency: 50 },
  )
  const load = Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      client
        .process(async (ms) => new Promise((done) => setTimeout(() => done(ms), ms)), [2500 + (i % 4) * 100])
        .catch(() => undefined),
    ),
  )
  await until(
    async () => (await page.locator('[data-node-name="cobalt"] [data-busy="true"]').count()) > 0,
    'cobalt busy',
  )
  await page.locator('[data-node-name="cobalt"]').getByRole('button', { name: 'Drain' }).click()
  await until(
    async () =>
      /draining — \d+ running/.test(
        (await page.locator('[data-node-name="cobalt"] [data-testid="rotation-note"]').textContent()) ?? '',
      ),
    'cobalt draining',
  )
  await page.screenshot({ path: OUT, fullPage: true })
  console.log(`wrote ${OUT}`)
  await client.close()
  await load
} finally {
  await browser?.close()
  for (const child of started) child.kill('SIGKILL')
  rmSync(home, { recursive: true, force: true })
}
