import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The argon-cluster package's root folder (works from sources and from dist/ alike). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'argon-cluster') return dir
      } catch {
        // keep looking
      }
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('argon-cluster package.json not found')
    dir = parent
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
}

/** Where the built dashboard lives; null when it has not been built. */
export function defaultDashboardDir(): string | null {
  const dir = join(packageRoot(), 'dist', 'renderer')
  return existsSync(join(dir, 'index.html')) ? dir : null
}
