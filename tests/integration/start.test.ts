/**
 * `npm start` where Electron cannot open a window (this machine has the electron package but
 * not its binary, and no display): the launcher runs the headless manager with its dashboard,
 * says why, and stops it on Ctrl-C.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ROOT, startProcess, tempHome, type RunningProcess } from '../helpers/processes.js'

const START = join(ROOT, 'scripts', 'start.mjs')
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
})
