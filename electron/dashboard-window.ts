/**
 * The dashboard window and the rules around it. The window loads the manager's own dashboard
 * URL, exactly as a browser would; everything else (other origins, popups, webviews,
 * permissions) is refused. The origin rules themselves live in sender-check.ts.
 */
import { BrowserWindow, shell, type NativeImage, type Session, type WebContents } from 'electron'
import { dashboardCsp, withCsp } from './content-security.js'
import { decideNavigation, decideWindowOpen, originOf } from './sender-check.js'

/** Returns the origin the window may show (`http://127.0.0.1:PORT`), or undefined while no manager runs. */
export type OriginSource = () => string | undefined

/** Permissions the dashboard may use: writing a join command to the clipboard. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write'])

/**
 * Adds the CSP to every response from the dashboard origin and refuses every permission
 * request except the clipboard write, from anywhere else too.
 */
export function hardenSession(session: Session, dashboardOrigin: OriginSource): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const origin = dashboardOrigin()
    if (origin === undefined || originOf(details.url) !== origin) {
      callback({})
      return
    }
    callback({ responseHeaders: withCsp(details.responseHeaders, dashboardCsp(origin)) })
  })
  const allowed = (permission: string, requestingUrl: string | undefined): boolean =>
    ALLOWED_PERMISSIONS.has(permission) &&
    originOf(requestingUrl) !== undefined &&
    originOf(requestingUrl) === dashboardOrigin()
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(allowed(permission, details.requestingUrl))
  })
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowed(permission, requestingOrigin))
}

/**
 * Navigation and popup rules for any web contents the app creates: in-window navigation
 * stays on the dashboard origin, web links elsewhere open in the system browser, popups and
 * `<webview>` never open inside the app.
 */
export function hardenContents(contents: WebContents, dashboardOrigin: OriginSource): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (decideWindowOpen(url) === 'open-externally') void shell.openExternal(url)
    return { action: 'deny' }
  })
  contents.on('will-frame-navigate', (event) => {
    const decision = decideNavigation(event.url, dashboardOrigin())
    if (decision === 'allow') return
    event.preventDefault()
    if (decision === 'open-externally' && event.isMainFrame) void shell.openExternal(event.url)
  })
  contents.on('will-redirect', (event) => {
    if (decideNavigation(event.url, dashboardOrigin()) !== 'allow') event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

export interface DashboardWindowOptions {
  preloadPath: string
  icon: NativeImage
}

/**
 * A sandboxed, context-isolated window without Node integration. It stays hidden until the
 * first paint so the user never sees a white flash.
 */
export function createDashboardWindow({ preloadPath, icon }: DashboardWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Argon',
    width: 1360,
    height: 880,
    minWidth: 800,
    minHeight: 560,
    show: false,
    icon,
    backgroundColor: '#0f1117',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  return window
}
