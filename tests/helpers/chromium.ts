/**
 * The system Chromium as the browser tests drive it (playwright-core, never a downloaded build):
 * where it is and the flags that keep a headless run quiet and self-contained.
 */
import type { Page } from 'playwright-core'

export const CHROMIUM = process.env.ARGON_E2E_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Where the card of node `name` is on the dashboard, in either zone. */
export function nodeCard(page: Page, name: string) {
  return page.locator(`[data-testid="node-card"][data-node-name="${name}"]`)
}
