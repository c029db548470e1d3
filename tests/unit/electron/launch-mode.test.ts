import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  HEADLESS_REASONS,
  buildPlan,
  checkFreshness,
  decideLaunchMode,
  describeHeadless,
  hasDisplay,
  headlessManagerArgs,
  newestMtime,
  probeElectron,
  type ElectronProbe,
} from '../../../scripts/launch-mode.mjs'

const ok: ElectronProbe = { status: 'ok', path: '/opt/electron/electron' }
const linuxDesktop = { DISPLAY: ':0' }

describe('probeElectron', () => {
  it('returns the binary path when it exists', () => {
    expect(
      probeElectron(
        () => '/opt/electron/electron',
        () => true,
      ),
    ).toEqual(ok)
  })

  it('reports a missing package as not-installed', () => {
    const requireFn = () => {
      throw Object.assign(new Error("Cannot find module 'electron'"), { code: 'MODULE_NOT_FOUND' })
    }
    expect(probeElectron(requireFn, () => true)).toEqual({ status: 'not-installed' })
  })

  it('reports the package without its download as binary-missing', () => {
    // What node_modules/electron/index.js throws when path.txt was never written.
    const requireFn = () => {
      throw new Error(
        'Electron failed to install correctly, please delete node_modules/electron and try installing again',
      )
    }
    expect(probeElectron(requireFn, () => true).status).toBe('binary-missing')
  })

  it('reports a path that does not exist as binary-missing', () => {
    expect(
      probeElectron(
        () => '/gone/electron',
        () => false,
      ).status,
    ).toBe('binary-missing')
  })
})

describe('hasDisplay', () => {
  it('is always true on macOS and Windows', () => {
    expect(hasDisplay('darwin', {})).toBe(true)
    expect(hasDisplay('win32', {})).toBe(true)
  })

  it('needs DISPLAY or WAYLAND_DISPLAY elsewhere', () => {
    expect(hasDisplay('linux', {})).toBe(false)
    expect(hasDisplay('linux', { DISPLAY: '' })).toBe(false)
    expect(hasDisplay('linux', { DISPLAY: ':99' })).toBe(true)
    expect(hasDisplay('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(true)
    expect(hasDisplay('freebsd', { DISPLAY: ':0' })).toBe(true)
  })
})

describe('decideLaunchMode', () => {
  it('opens the desktop window when Electron and a display are there', () => {
    expect(decideLaunchMode({ electron: ok, platform: 'linux', env: linuxDesktop })).toEqual({
      mode: 'desktop',
      electronPath: ok.path,
    })
    expect(decideLaunchMode({ electron: ok, platform: 'darwin', env: {} }).mode).toBe('desktop')
  })

  it.each([
    [{ status: 'not-installed' }, 'linux', linuxDesktop, 'electron-not-installed'],
    [{ status: 'binary-missing', detail: 'no path.txt' }, 'linux', linuxDesktop, 'electron-binary-missing'],
    [{ status: 'binary-missing', detail: 'no path.txt' }, 'win32', {}, 'electron-binary-missing'],
    [ok, 'linux', {}, 'no-display'],
    [ok, 'linux', { ...linuxDesktop, ARGON_HEADLESS: '1' }, 'forced'],
  ] as const)('falls back headless: %j on %s %j → %s', (electron, platform, env, reason) => {
    const decision = decideLaunchMode({ electron, platform, env })
    expect(decision.mode).toBe('headless')
    if (decision.mode === 'headless') {
      expect(decision.reason).toBe(reason)
      expect(HEADLESS_REASONS).toContain(decision.reason)
      expect(describeHeadless(decision)).toContain(`(${reason})`)
    }
  })

  it('reports the missing binary before the missing display (the actionable one first)', () => {
    const decision = decideLaunchMode({
      electron: { status: 'binary-missing', detail: 'x' },
      platform: 'linux',
      env: {},
    })
    expect(decision.mode === 'headless' && decision.reason).toBe('electron-binary-missing')
  })

  it.each(['', '0', 'false'])('does not force headless for ARGON_HEADLESS=%j', (value) => {
    expect(
      decideLaunchMode({ electron: ok, platform: 'linux', env: { ...linuxDesktop, ARGON_HEADLESS: value } }).mode,
    ).toBe('desktop')
  })
})

describe('build freshness', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  function project(): { root: string; touch: (path: string, secondsAgo: number) => string } {
    const root = mkdtempSync(join(tmpdir(), 'argon-freshness-'))
    dirs.push(root)
    const now = Date.now() / 1000
    return {
      root,
      touch(path, secondsAgo) {
        const file = join(root, path)
        mkdirSync(join(file, '..'), { recursive: true })
        writeFileSync(file, '')
        utimesSync(file, now - secondsAgo, now - secondsAgo)
        return file
      },
    }
  }

  it('is stale when an output is missing', () => {
    const { root, touch } = project()
    const source = touch('src/a.ts', 10)
    const result = checkFreshness({ sources: [source], outputs: [join(root, 'dist/a.js')] })
    expect(result.stale).toBe(true)
  })

  it('is stale when a source (deep in a folder) is newer than the oldest output', () => {
    const { root, touch } = project()
    touch('src/deep/er/a.ts', 5)
    const outputs = [touch('dist/a.js', 100), touch('dist/b.js', 1)]
    expect(checkFreshness({ sources: [join(root, 'src')], outputs }).stale).toBe(true)
  })

  it('is fresh when every output is newer than every source', () => {
    const { root, touch } = project()
    touch('src/a.ts', 100)
    touch('src/b.ts', 50)
    const outputs = [touch('dist/a.js', 10)]
    expect(checkFreshness({ sources: [join(root, 'src'), join(root, 'missing-is-fine')], outputs })).toEqual({
      stale: false,
    })
  })

  it('ignores node_modules when dating sources', () => {
    const { root, touch } = project()
    touch('renderer/src/App.svelte', 100)
    touch('renderer/node_modules/x/index.js', 1)
    expect(newestMtime([join(root, 'renderer')])).toBeLessThan(Date.now() - 50_000)
  })

  it('plans tsc and the dashboard for headless, plus the desktop bundle for the window', () => {
    expect(buildPlan('/p', 'headless').map((step) => step.script)).toEqual(['build:node', 'build:renderer'])
    const desktop = buildPlan('/p', 'desktop')
    expect(desktop.map((step) => step.script)).toEqual(['build:node', 'build:renderer', 'build:desktop'])
    expect(desktop[2]!.outputs).toContain(join('/p', 'out', 'preload', 'index.cjs'))
  })
})

describe('headlessManagerArgs', () => {
  it('passes what followed -- to `argon manager`', () => {
    expect(headlessManagerArgs(['--port', '0', '--host', '127.0.0.1'])).toEqual([
      'manager',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ])
  })
})
