/**
 * `npm start` where Electron cannot open a window (this machine has the electron package but
 * not its binary, and no display): the launcher runs the headless manager with its dashboard,
 * says why, and stops it on Ctrl-C.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ROOT, startAgent, startProcess, tempHome, type RunningProcess } from '../helpers/processes.js'

const START = join(ROOT, 'scripts', 'start.mjs')
const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm'
/** The fallback reasons that apply on a machine like this one (no binary, or no display). */
const MACHINE_REASONS = ['electron-not-installed', 'electron-binary-missing', 'no-display']

// The manager is the launcher's child: the helper kills the launcher, this kills the manager.
const managerPids: number[] = []
afterEach(() => {
  for (const pid of managerPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

interface Started {
  launcher: RunningProcess
  home: string
  managerPid: number
}

async function startHeadless(args: string[]): Promise<Started> {
  const home = tempHome()
  const launcher = startProcess(START, args, {
    ARGON_HOME: home,
    // No window may open even on a developer's desktop; builds are done by `npm test` and
    // rebuilding dist/ here would pull files from under other test processes.
    DISPLAY: '',
    WAYLAND_DISPLAY: '',
    ARGON_START_SKIP_BUILD: '1',
  })
  const pid = Number((await launcher.waitFor(/manager running as pid (\d+)/))[1])
  managerPids.push(pid)
  return { launcher, home, managerPid: pid }
}

describe('npm start without a usable Electron', () => {
  it('runs the manager headless and prints why, and the dashboard URL with its token', async () => {
    const { launcher, home } = await startHeadless(['--port', '0', '--host', '127.0.0.1'])

    const reason = await launcher.waitFor(/no desktop window \(([a-z-]+)\)/)
    expect(MACHINE_REASONS).toContain(reason[1])

    const [, url, port, encodedToken] = await launcher.waitFor(/(http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+))/)
    const token = process.env.ARGON_TOKEN || readFileSync(join(home, 'token'), 'utf8').trim()
    expect(decodeURIComponent(encodedToken!)).toBe(token)

    const health = await fetch(`http://127.0.0.1:${port}/health`)
    expect(health.status).toBe(200)
    expect(((await health.json()) as { status: string }).status).toBe('ok')

    const page = await fetch(url!)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toMatch(/<div id="app"|<html/i)
  })

  it('stops the manager when the launcher is interrupted (Ctrl-C)', async () => {
    const { launcher, managerPid } = await startHeadless(['--port', '0', '--host', '127.0.0.1'])
    const port = (await launcher.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200)

    launcher.kill('SIGINT')
    const exit = await launcher.exited
    expect(exit.code).toBe(0)
    await vi.waitFor(() => expect(isAlive(managerPid)).toBe(false), { timeout: 10_000, interval: 50 })
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
  })

  it('passes arguments after -- to the manager and exits with its status', async () => {
    const launcher = startProcess(START, ['--port', 'not-a-port'], {
      ARGON_HOME: tempHome(),
      DISPLAY: '',
      WAYLAND_DISPLAY: '',
      ARGON_START_SKIP_BUILD: '1',
    })
    const pid = await launcher.waitFor(/manager running as pid (\d+)/)
    managerPids.push(Number(pid[1]))
    const exit = await launcher.exited
    expect(exit.code).not.toBe(0)
    expect(exit.code).not.toBeNull()
  })

  // What a service manager (systemd, Docker) does: SIGTERM to the `npm start` it started. npm
  // passes it to the shell it runs the script in, which dies without passing it on.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`stops the manager and frees its port when \`npm start\` gets ${signal}`, async () => {
      const npmStart = spawn(npmCommand, ['start', '--', '--port', '0', '--host', '127.0.0.1'], {
        cwd: ROOT,
        env: {
          ...process.env,
          ARGON_HOME: tempHome(),
          DISPLAY: '',
          WAYLAND_DISPLAY: '',
          ARGON_START_SKIP_BUILD: '1',
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      npmStart.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      npmStart.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const npmExited = new Promise<void>((resolve) => npmStart.once('exit', () => resolve()))
      try {
        const found = await vi.waitFor(
          () => {
            const pid = /manager running as pid (\d+)/.exec(output)
            const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
            if (!pid || !port) throw new Error(`npm start has not started the manager yet:\n${output}`)
            return { managerPid: Number(pid[1]), port: Number(port[1]) }
          },
          { timeout: 30_000, interval: 50 },
        )
        managerPids.push(found.managerPid)
        // The launcher is the manager's parent; it is killed in teardown too if the test fails.
        managerPids.push(Number(readFileSync(`/proc/${found.managerPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]))
        expect((await fetch(`http://127.0.0.1:${found.port}/health`)).status).toBe(200)

        process.kill(npmStart.pid!, signal)
        await npmExited
        await vi.waitFor(() => expect(isAlive(found.managerPid)).toBe(false), { timeout: 15_000, interval: 50 })
        await expect(fetch(`http://127.0.0.1:${found.port}/health`)).rejects.toThrow()
      } finally {
        if (npmStart.exitCode === null && npmStart.signalCode === null) npmStart.kill('SIGKILL')
      }
    })
  }
})

/**
 * What `npm start` runs where Electron can open a window: the desktop main process. Electron's
 * binary is absent here, so the built main runs under Node with a stand-in 'electron' module
 * (tests/unit/electron/electron-stub) and a real manager, agent and sockets behind it.
 */
/**
 * electron-vite needs Electron's package to build the shell. npm drops that package where its
 * binary could not be downloaded (unless installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as CI
 * does); there these tests are skipped, never in CI.
 */
const electronPackageInstalled = existsSync(join(ROOT, 'node_modules', 'electron', 'package.json'))

describe.skipIf(!electronPackageInstalled && !process.env.CI)('the desktop main process (Electron stubbed)', () => {
  const DRIVER = join(ROOT, 'tests', 'unit', 'electron', 'electron-stub', 'run-main.mjs')
  const MAIN = join(ROOT, 'out', 'main', 'index.js')

  beforeAll(async () => {
    // The same build `npm start` runs before Electron; it must work without Electron's binary.
    // A production build, as `npm start` makes: vitest's NODE_ENV=test must not reach it.
    const build = startProcess(
      join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
      ['build', '--ignoreConfigWarning'],
      { NODE_ENV: 'production' },
    )
    const exit = await build.exited
    expect(exit.code, build.output()).toBe(0)
    expect(existsSync(MAIN)).toBe(true)
    expect(existsSync(join(ROOT, 'out', 'preload', 'index.cjs'))).toBe(true)
  })

  function steps(proc: RunningProcess): Map<string, unknown> {
    const found = new Map<string, unknown>()
    for (const match of proc.output().matchAll(/^STEP (\S+) (.*)$/gm)) found.set(match[1]!, JSON.parse(match[2]!))
    return found
  }

  function startDesktop(
    args: string[],
    env: Record<string, string> = {},
  ): { proc: RunningProcess; appData: string; home: string } {
    const appData = tempHome()
    const home = tempHome()
    const proc = startProcess(DRIVER, [MAIN, ...args], { ARGON_HOME: home, ELECTRON_STUB_APP_DATA: appData, ...env })
    return { proc, appData, home }
  }

  it('serves the dashboard in a locked-down window, answers IPC only from it, restarts on new settings and quits cleanly', async () => {
    const { proc, appData, home } = startDesktop(['--port', '0', '--host', '127.0.0.1'])
    await proc.waitFor(/^STEP ready /m)
    const seen = steps(proc)

    const loaded = seen.get('loaded') as { url: string; health: number; sandboxEnabled: boolean }
    expect(loaded.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    expect(loaded.health).toBe(200)
    expect(loaded.sandboxEnabled).toBe(true)
    expect(seen.get('web-preferences')).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true })
    expect(existsSync((seen.get('web-preferences') as { preload: string }).preload)).toBe(true)

    // --port 0 picked a free port; the settings show the one in use.
    expect(seen.get('get-settings')).toEqual({
      value: { host: '127.0.0.1', port: Number(new URL(loaded.url).port), queueSize: null },
    })
    for (const refused of Object.values(seen.get('get-settings-untrusted') as Record<string, { thrown?: string }>)) {
      expect(refused.thrown).toMatch(/^UNAUTHORIZED/)
    }
    expect(seen.get('save-untrusted')).toMatchObject({ thrown: expect.stringMatching(/^UNAUTHORIZED/) as string })
    expect(seen.get('save-invalid')).toMatchObject({ value: { ok: false } })

    // New settings: the manager moved to the new port, the window followed, the old port is closed.
    const { port } = seen.get('ready') as { port: number }
    const saved = seen.get('save') as { result: unknown; newUrl: string; oldHealth: unknown; newHealth: unknown }
    expect(saved.result).toEqual({ value: { ok: true } })
    expect(saved.newUrl).toContain(`http://127.0.0.1:${port}/?token=`)
    expect(saved.oldHealth).toBe('refused')
    expect(saved.newHealth).toBe(200)
    expect(JSON.parse(readFileSync(join(appData, 'Argon', 'manager-settings.json'), 'utf8'))).toEqual({
      host: '127.0.0.1',
      port,
      queueSize: 50,
    })
    expect(seen.get('get-settings-after-save')).toMatchObject({
      fromNewOrigin: { value: { port } },
      fromOldOrigin: { thrown: expect.stringMatching(/^UNAUTHORIZED/) as string },
    })

    const csp = seen.get('csp') as { dashboard: { responseHeaders: Record<string, string[]> }; other: object }
    expect(csp.dashboard.responseHeaders['Content-Security-Policy']?.[0]).toContain("script-src 'self'")
    expect(csp.other).toEqual({})
    expect(seen.get('permissions')).toEqual({
      clipboardFromDashboard: true,
      clipboardFromElsewhere: false,
      cameraFromDashboard: false,
    })
    expect(seen.get('navigation')).toEqual({
      sameOrigin: 'allowed',
      otherOrigin: 'prevented',
      file: 'prevented',
      windowOpen: 'deny',
    })

    // A real agent joins (the tray counts it) and is killed: a system notification says so.
    const token = process.env.ARGON_TOKEN || readFileSync(join(home, 'token'), 'utf8').trim()
    const agent = await startAgent({ address: `127.0.0.1:${port}`, token }, { name: 'desk-node', workers: 2 })
    await proc.waitFor(/^STEP tooltip ".*nodes 1\/1 · slots 0\/2 busy/m)
    agent.kill('SIGKILL')
    await agent.exited
    const notification = await proc.waitFor(/^STEP notification (.*)$/m)
    expect((JSON.parse(notification[1]!) as { title: string }).title).toContain('desk-node')

    // Quitting (here by SIGTERM, as the launcher forwards Ctrl-C) closes the manager first.
    proc.kill('SIGTERM')
    const exit = await proc.exited
    expect(exit.code).toBe(0)
    expect(steps(proc).get('quit')).toEqual({ tray: [true] })
    expect(steps(proc).get('after-quit')).toEqual({ health: 'refused' })
  })

  it('falls back to the defaults over a broken settings file, and offers a free port when its port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((resolveListen) => blocker.listen(0, '127.0.0.1', resolveListen))
    const taken = (blocker.address() as AddressInfo).port
    try {
      const appData = tempHome()
      mkdirSync(join(appData, 'Argon'), { recursive: true })
      writeFileSync(join(appData, 'Argon', 'manager-settings.json'), '{"port": 80')
      const proc = startProcess(DRIVER, [MAIN, '--port', String(taken), '--host', '127.0.0.1'], {
        ARGON_HOME: tempHome(),
        ELECTRON_STUB_APP_DATA: appData,
        // "Use a free port this time"
        ELECTRON_STUB_DIALOG_RESPONSE: '0',
      })
      await proc.waitFor(/^STEP ready /m)
      const boxes = [...proc.output().matchAll(/^STEP message-box (.*)$/gm)].map(
        (m) => (JSON.parse(m[1]!) as { message: string }).message,
      )
      expect(boxes).toHaveLength(2)
      const loaded = steps(proc).get('loaded') as { url: string; health: number }
      expect(loaded.health).toBe(200)
      expect(new URL(loaded.url).port).not.toBe(String(taken))
      proc.kill('SIGTERM')
      expect((await proc.exited).code).toBe(0)
    } finally {
      await new Promise((resolveClose) => blocker.close(resolveClose))
    }
  })

  it('quits without a window when its port is taken and the user declines a free one', async () => {
    const blocker = createServer()
    await new Promise<void>((resolveListen) => blocker.listen(0, '127.0.0.1', resolveListen))
    const taken = (blocker.address() as AddressInfo).port
    try {
      const { proc } = startDesktop(['--port', String(taken), '--host', '127.0.0.1'], {
        ELECTRON_STUB_DIALOG_RESPONSE: '1',
      })
      await proc.waitFor(/^STEP quit /m)
      expect(proc.output()).not.toMatch(/^STEP loaded /m)
      expect((await proc.exited).code).toBe(0)
    } finally {
      await new Promise((resolveClose) => blocker.close(resolveClose))
    }
  })
})
