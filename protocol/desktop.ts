/**
 * The narrow API the Electron preload exposes to the dashboard as `window.argonDesktop`.
 * Absent in a plain browser; the dashboard shows desktop-only settings when it is present.
 */
export interface DesktopSettings {
  /** Interface the embedded manager listens on. */
  host: string
  port: number
  /** Bounded queue size; null = unbounded. */
  queueSize: number | null
}

export interface DesktopApi {
  getSettings(): Promise<DesktopSettings>
  /** Saves the settings and restarts the embedded manager with them. */
  saveSettings(settings: DesktopSettings): Promise<{ ok: true } | { ok: false; message: string }>
}
