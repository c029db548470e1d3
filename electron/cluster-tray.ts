/**
 * The tray icon: the cluster summary (nodes, slots, queue) in its tooltip and menu, refreshed
 * every couple of seconds from `manager.status()`, plus shortcuts to the dashboard.
 */
import { Menu, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import type { ClusterStatus } from '../protocol/cluster.js'
import { summarizeCluster, summaryLines, summaryTooltip } from './tray-summary.js'

/** How often the summary is refreshed. */
export const TRAY_REFRESH_MS = 2_000

/** What the tray needs from the app; the running manager may change (settings) or be absent. */
export interface TrayActions {
  /** The running manager's status and port, or undefined while it is (re)starting. */
  snapshot(): { status: ClusterStatus; port: number } | undefined
  showDashboard(): void
  openInBrowser(): void
  copyJoinCommand(): void
  quit(): void
}

export class ClusterTray {
  #tray: Tray
  #actions: TrayActions
  #timer: NodeJS.Timeout
  /** The menu is rebuilt only when its text changes: some Linux trays flicker on every rebuild. */
  #shownLines = ''

  constructor(icon: NativeImage, actions: TrayActions) {
    this.#tray = new Tray(icon)
    this.#actions = actions
    // Windows and most Linux trays open the menu on right-click only; left-click shows the window.
    this.#tray.on('click', () => actions.showDashboard())
    this.refresh()
    this.#timer = setInterval(() => this.refresh(), TRAY_REFRESH_MS)
  }

  /** Re-reads the status now (also called right after the manager restarts). */
  refresh(): void {
    let snapshot: ReturnType<TrayActions['snapshot']>
    try {
      snapshot = this.#actions.snapshot()
    } catch {
      snapshot = undefined
    }
    const lines = snapshot ? summaryLines(summarizeCluster(snapshot.status)) : ['Manager not running']
    const tooltip = snapshot
      ? summaryTooltip(summarizeCluster(snapshot.status), snapshot.port)
      : 'Argon — manager not running'
    this.#tray.setToolTip(tooltip)
    const key = lines.join('\n')
    if (key === this.#shownLines) return
    this.#shownLines = key
    const items: MenuItemConstructorOptions[] = [
      ...lines.map((label): MenuItemConstructorOptions => ({ label, enabled: false })),
      { type: 'separator' },
      { label: 'Show dashboard', click: () => this.#actions.showDashboard() },
      {
        label: 'Open dashboard in browser',
        enabled: snapshot !== undefined,
        click: () => this.#actions.openInBrowser(),
      },
      { label: 'Copy join command', enabled: snapshot !== undefined, click: () => this.#actions.copyJoinCommand() },
      { type: 'separator' },
      { label: 'Quit Argon', click: () => this.#actions.quit() },
    ]
    this.#tray.setContextMenu(Menu.buildFromTemplate(items))
  }

  destroy(): void {
    clearInterval(this.#timer)
    this.#tray.destroy()
  }
}
