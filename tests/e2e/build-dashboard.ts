/**
 * Global setup of the e2e project: the manager serves `dist/renderer/`, so a missing or stale
 * dashboard build would test old code. Rebuilds it when any renderer source is newer.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const BUILT_PAGE = join(ROOT, 'dist/renderer/index.html')

function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

export default async function setup(): Promise<void> {
  for (const program of ['dist/cli/argon.js', 'dist/node-agent/cli.js', 'dist/client/index.js']) {
    if (!existsSync(join(ROOT, program)))
      throw new Error(`${program} is missing: run \`npm run build\` before the e2e tests`)
  }
  const sources = Math.max(newestMtime(join(ROOT, 'renderer')), newestMtime(join(ROOT, 'protocol')))
  if (existsSync(BUILT_PAGE) && statSync(BUILT_PAGE).mtimeMs >= sources) return
  // The same production build `npm run build` makes (vitest's NODE_ENV=test would give a
  // development build, which `npm start` would then serve).
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ configFile: join(ROOT, 'renderer/vite.config.ts'), logLevel: 'warn', mode: 'production' })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
}
