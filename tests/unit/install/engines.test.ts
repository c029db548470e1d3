/**
 * A clean install on the Node versions the project says it supports: no dependency in the lock
 * file asks for a newer Node than package.json states (npm would print EBADENGINE warnings).
 * The published package's dependencies must fit `engines.node`; the development tooling must fit
 * `devEngines.runtime.version`, which npm checks on install in the repository.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../helpers/processes.js'

interface LockEntry {
  dev?: boolean
  engines?: Record<string, string> | string[]
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string }
  devEngines: { runtime: { name: string; version: string } }
}
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>
}

function tooNew(minimum: string, include: (entry: LockEntry) => boolean): string[] {
  const found: string[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined
    if (path === '' || range === undefined || !include(entry)) continue
    if (!semver.satisfies(minimum, range, { includePrerelease: true }))
      found.push(`${path.replace(/^.*node_modules\//, '')} needs node ${range}`)
  }
  return found
}

describe('the Node versions package.json states', () => {
  it('hold for every dependency of the published package', () => {
    const minimum = semver.minVersion(pkg.engines.node)!.version
    expect(minimum.startsWith('20.')).toBe(true)
    expect(tooNew(minimum, (entry) => !entry.dev)).toEqual([])
  })

  it('hold for the development tooling', () => {
    expect(pkg.devEngines.runtime.name).toBe('node')
    const minimum = semver.minVersion(pkg.devEngines.runtime.version)!.version
    expect(minimum.startsWith('20.')).toBe(true)
    expect(tooNew(minimum, () => true)).toEqual([])
  })

  it('include the Node running this test', () => {
    expect(semver.satisfies(process.versions.node, pkg.devEngines.runtime.version)).toBe(true)
  })
})
