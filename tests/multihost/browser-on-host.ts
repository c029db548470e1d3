/**
 * Chromium on one of the test network's hosts: Playwright starts it through a small launcher
 * that enters the host's namespace first, so the page reaches the manager over the test network.
 * Closed, and its profile and launcher removed, when the test ends.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterEach } from 'vitest'
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js'
import type { Host } from './network.js'

export { nodeCard } from '../helpers/chromium.js'

const open = new Set<{ context: BrowserContext; dir: string }>()

afterEach(async () => {
  const running = [...open]
  open.clear()
  for (const { context, dir } of running) {
    await context.close().catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
})

/** Launches Chromium on `host` with a fresh profile and returns its one page. */
export async function openBrowserOn(host: Host): Promise<{ page: Page; problems: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'argon-mh-chromium-'))
  const launcher = join(dir, 'chromium-on-host')
  // exec all the way, so the pid Playwright holds (and kills) is Chromium's own.
  writeFileSync(launcher, `#!/bin/sh\nexec ip netns exec "${host.namespace}" "${CHROMIUM}" "$@"\n`)
  chmodSync(launcher, 0o755)
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: launcher,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 960 },
    // The manager serves its own self-signed certificate (an operator accepts it once).
    ignoreHTTPSErrors: true,
  })
  open.add({ context, dir })
  const page = context.pages()[0] ?? (await context.newPage())
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  return { page, problems }
}
