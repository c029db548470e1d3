/**
 * The desktop app's main process: runs the manager in-process (the same `createManager` the
 * headless CLI runs), shows its dashboard in a locked-down window, keeps a tray summary, and
 * notifies when a node is lost. Settings (host, port, queue size) live in userData; the token
 * is the file shared with the CLI, so local agents and clients just work.
 */
import {
  app,
  clipboard,
  dialog,
  ipcMain,
  nativeImage,
  Notification,
  session,
  shell,
  type BrowserWindow,
  type IpcMainInvokeEvent,
  type NativeImage,
} from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { destination, pino, type Logger } from 'pino'
import { createManager, type Manager } from '../manager/index.js'
import type { ClusterEvent } from '../protocol/cluster.js'
import type { DesktopApi, DesktopSettings } from '../protocol/desktop.js'
import { renderIconPng } from './app-icon.js'
import { ClusterTray } from './cluster-tray.js'
import { createDashboardWindow, hardenContents, hardenSession } from './dashboard-window.js'
import { IPC_CHANNELS } from './ipc-channels.js'
import { trustManagerCertificate } from './manager-certificate.js'
import { isTrustedSender, originOf } from './sender-check.js'
import { parseSessionOverrides } from './session-overrides.js'
import {
  loadDesktopSettings,
  parseDesktopSettings,
  sameSettings,
  saveDesktopSettings,
  settingsFilePath,
} from './settings-store.js'

type SaveResult = Awaited<ReturnType<DesktopApi['saveSettings']>>

/** How long quitting waits for the manager to close before leaving anyway. */
const CLOSE_TIMEOUT_MS = 10_000

// One settings folder for development and packaged builds, whatever the package is named.
app.setPath('userData', join(app.getPath('appData'), 'Argon'))
app.enableSandbox()

const settingsFile = settingsFilePath(app.getPath('userData'))
const stored = loadDesktopSettings(settingsFile)
const overrides = parseSessionOverrides(process.argv.slice(1))
/** What the running manager uses: the saved settings, then this run's command-line flags. */
let effective: DesktopSettings = { ...stored.settings, ...overrides.settings }

let manager: Manager | undefined
let window: BrowserWindow | undefined
let tray: ClusterTray | undefined
/** Serialises settings changes: each one stops and starts the manager. */
let settingsChange: Promise<unknown> = Promise.resolve()
let quitState: 'running' | 'closing' | 'closed' = 'running'

const dashboardOrigin = (): string | undefined => originOf(manager?.dashboardUrl)

if (!app.requestSingleInstanceLock()) {
  // A second copy would only fight the first one for the port.
  app.quit()
} else {
  app.on('second-instance', () => showDashboard())
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, dashboardOrigin))
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock (and the manager keeps serving) until Quit.
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', () => showDashboard())
  app.on('before-quit', (event) => {
    if (quitState === 'closed') return
    event.preventDefault()
    if (quitState === 'closing') return
    quitState = 'closing'
    void shutdown().finally(() => {
      quitState = 'closed'
      app.quit()
    })
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit())
  registerIpc()
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => fail('Argon could not start', error))
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession, dashboardOrigin)
  // Beyond loopback the manager serves TLS with its own self-signed certificate: trust that one.
  trustManagerCertificate(session.defaultSession, () => manager?.fingerprint)
  if (stored.problem) {
    await dialog.showMessageBox({
      type: 'warning',
      message: 'Saved settings could not be used; the defaults apply',
      detail: `${settingsFile}: ${stored.problem.message}`,
    })
  }
  if (overrides.problems.length > 0) console.warn(`argon desktop: ignored ${overrides.problems.join('; ')}`)
  manager = await startManagerInteractively(effective)
  if (!manager) {
    app.quit()
    return
  }
  // With port 0 (a flag, or "use a free port") the settings show the port actually in use.
  effective = { ...effective, port: manager.port }
  tray = new ClusterTray(trayIcon(), {
    snapshot: () => (manager ? { status: manager.status(), port: manager.port } : undefined),
    showDashboard,
    openInBrowser: () => {
      if (manager) void shell.openExternal(manager.dashboardUrl)
    },
    copyJoinCommand: () => {
      const command = manager?.joinCommands[0]
      if (command) clipboard.writeText(command)
    },
    quit: () => app.quit(),
  })
  showDashboard()
}

/** Starts the manager; on a taken port offers a free one for this run rather than giving up. */
async function startManagerInteractively(settings: DesktopSettings): Promise<Manager | undefined> {
  try {
    return await launchManager(settings)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EADDRINUSE' && code !== 'EACCES') {
      dialog.showErrorBox('Argon could not start its manager', describe(error))
      return undefined
    }
    const { response } = await dialog.showMessageBox({
      type: 'warning',
      message: `Port ${settings.port} on ${settings.host} is not available`,
      detail:
        `${describe(error)}\n\nAnother Argon manager may be running. Agents that joined port ${settings.port} ` +
        'will not find this one on a different port.',
      buttons: ['Use a free port this time', 'Quit'],
      defaultId: 0,
      cancelId: 1,
    })
    if (response !== 0) return undefined
    try {
      effective = { ...settings, port: 0 }
      return await launchManager(effective)
    } catch (retryError) {
      dialog.showErrorBox('Argon could not start its manager', describe(retryError))
      return undefined
    }
  }
}

async function launchManager(settings: DesktopSettings): Promise<Manager> {
  const started = await createManager({
    host: settings.host,
    port: settings.port,
    queueSize: settings.queueSize,
    logger: managerLogger(),
  })
  started.on('event', notifyNodeLost)
  return started
}

function notifyNodeLost(event: ClusterEvent): void {
  if (event.kind !== 'node-lost' || !Notification.isSupported()) return
  const notification = new Notification({
    title: event.node ? `Node lost: ${event.node}` : 'Node lost',
    body: event.message,
  })
  notification.on('click', () => showDashboard())
  notification.show()
}

function showDashboard(): void {
  if (!app.isReady() || !manager || quitState !== 'running') return
  if (!window || window.isDestroyed()) {
    window = createDashboardWindow({ preloadPath: preloadPath(), icon: windowIcon() })
    window.on('closed', () => {
      window = undefined
    })
    void window.loadURL(manager.dashboardUrl)
    return
  }
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}

function registerIpc(): void {
  ipcMain.handle(IPC_CHANNELS.getSettings, (event): DesktopSettings => {
    assertDashboardSender(event)
    return { ...effective }
  })
  ipcMain.handle(IPC_CHANNELS.saveSettings, (event, payload: unknown): Promise<SaveResult> => {
    assertDashboardSender(event)
    const parsed = parseDesktopSettings(payload)
    if (!parsed.ok) return Promise.resolve({ ok: false, message: parsed.message })
    const change = settingsChange.then(() => applySettings(parsed.settings))
    settingsChange = change.catch(() => undefined)
    return change
  })
}

/** IPC is answered only for the dashboard frame itself, never for anything it navigated to or embeds. */
function assertDashboardSender(event: IpcMainInvokeEvent): void {
  if (!isTrustedSender(event.senderFrame?.url, dashboardOrigin())) {
    throw new Error('UNAUTHORIZED: IPC from outside the dashboard')
  }
}

/**
 * Saves new settings and restarts the manager with them. If the new address cannot be
 * bound, the previous manager comes back and nothing is saved.
 */
async function applySettings(next: DesktopSettings): Promise<SaveResult> {
  if (quitState !== 'running') return { ok: false, message: 'Argon is quitting' }
  if (manager && sameSettings(next, effective)) {
    saveDesktopSettings(settingsFile, next)
    return { ok: true }
  }
  const previous = effective
  await stopManager()
  try {
    manager = await launchManager(next)
  } catch (error) {
    manager = await launchManager(previous).catch((restoreError: unknown) => {
      dialog.showErrorBox('Argon could not restart its manager', describe(restoreError))
      return undefined
    })
    tray?.refresh()
    return { ok: false, message: `cannot listen on ${next.host}:${next.port}: ${describe(error)}` }
  }
  effective = next
  tray?.refresh()
  const url = manager.dashboardUrl
  // Answer the dashboard first; the reload to the new address follows.
  setImmediate(() => {
    if (window && !window.isDestroyed()) void window.loadURL(url)
  })
  try {
    saveDesktopSettings(settingsFile, next)
  } catch (error) {
    return {
      ok: false,
      message: `the manager now uses these settings, but they could not be saved: ${describe(error)}`,
    }
  }
  return { ok: true }
}

async function stopManager(): Promise<void> {
  const running = manager
  manager = undefined
  if (!running) return
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`argon desktop: the manager did not close within ${CLOSE_TIMEOUT_MS} ms`)
      resolve()
    }, CLOSE_TIMEOUT_MS)
  })
  try {
    await Promise.race([running.close(), timeout])
  } catch (error) {
    console.error(`argon desktop: closing the manager failed: ${describe(error)}`)
  } finally {
    clearTimeout(timer)
  }
}

/** Stops the manager cleanly so agents see a closed connection and keep reconnecting until it is back. */
async function shutdown(): Promise<void> {
  tray?.destroy()
  tray = undefined
  await settingsChange
  await stopManager()
}

let fileLogger: Logger | undefined

/**
 * Under `npm start` the manager logs to the terminal as the CLI does. An installed app has no
 * terminal (on Windows not even a valid stderr), so it logs to a file in the OS's log folder.
 */
function managerLogger(): Logger | undefined {
  if (!app.isPackaged) return undefined
  fileLogger ??= pino(
    { name: 'argon-manager', level: process.env.ARGON_LOG_LEVEL ?? 'info' },
    destination({ dest: join(app.getPath('logs'), 'manager.log'), mkdir: true, sync: false }),
  )
  return fileLogger
}

function preloadPath(): string {
  return fileURLToPath(new URL('../preload/index.cjs', import.meta.url))
}

function windowIcon(): NativeImage {
  return nativeImage.createFromBuffer(renderIconPng(256))
}

function trayIcon(): NativeImage {
  // macOS menu-bar icons are black-and-alpha templates the system tints for light and dark bars.
  const variant = process.platform === 'darwin' ? 'template' : 'color'
  const icon = nativeImage.createEmpty()
  icon.addRepresentation({ scaleFactor: 1, buffer: renderIconPng(16, variant) })
  icon.addRepresentation({ scaleFactor: 2, buffer: renderIconPng(32, variant) })
  if (process.platform === 'darwin') icon.setTemplateImage(true)
  return icon
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function fail(title: string, error: unknown): void {
  dialog.showErrorBox(title, describe(error))
  app.exit(1)
}
