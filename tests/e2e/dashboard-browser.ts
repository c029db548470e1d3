/**
 * Real Chromium for the dashboard tests, driven by playwright-core: the system browser, headless,
 * a fresh profile per test, closed (and its profile removed) when the test ends.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterEach } from 'vitest'
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js'

export { CHROMIUM, nodeCard } from '../helpers/chromium.js'

export interface DashboardBrowser {
  context: BrowserContext
  page: Page
  /** Uncaught page errors and console errors so far (CSP violations land here too). */
  problems: string[]
}

const open = new Set<{ context: BrowserContext; profile: string }>()

afterEach(async () => {
  const running = [...open]
  open.clear()
  for (const { context, profile } of running) {
    // close() ends the browser process (Playwright kills it if it does not exit by itself).
    await context.close().catch(() => undefined)
    rmSync(profile, { recursive: true, force: true })
  }
})

/** Launches Chromium with a fresh profile and one page, sized like an operator's screen. */
export async function openBrowser(): Promise<DashboardBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'argon-e2e-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 960 },
    deviceScaleFactor: 1,
  })
  open.add({ context, profile })
  const page = context.pages()[0] ?? (await context.newPage())
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('response', (response) => {
    if (response.status() >= 400)
      problems.push(`http ${response.status()}: ${response.request().method()} ${response.url()}`)
  })
  return { context, page, problems }
}

/**
 * Drags with the real mouse, as an operator does: press on the card, move in steps (so the
 * browser starts a drag), release over the target.
 */
export async function dragWithMouse(
  page: Page,
  from: ReturnType<Page['locator']>,
  to: ReturnType<Page['locator']>,
): Promise<void> {
  await from.scrollIntoViewIfNeeded()
  const source = await from.boundingBox()
  const target = await to.boundingBox()
  if (source === null || target === null) throw new Error('drag source or target is not visible')
  await page.mouse.move(source.x + source.width / 2, source.y + 20)
  await page.mouse.down()
  await page.mouse.move(source.x + source.width / 2 + 12, source.y + 30, { steps: 4 })
  await page.mouse.move(target.x + target.width / 2, target.y + Math.min(60, target.height / 2), { steps: 12 })
  await page.mouse.up()
}

/** Screenshots of e2e runs: an ignored folder, never a tracked file (the README's picture is made by `npm run screenshot`). */
export const ARTIFACTS_DIR = resolve(fileURLToPath(new URL('../../test-artifacts/e2e', import.meta.url)))

/** Saves a full-page screenshot of `page` as a test artifact and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const path = join(ARTIFACTS_DIR, name)
  await page.screenshot({ path, fullPage: true })
  return path
}
