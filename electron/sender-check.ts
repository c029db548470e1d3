/**
 * Origin rules of the desktop window. The window shows the manager's own dashboard
 * (http://127.0.0.1:PORT/?token=…) and nothing else: IPC is answered only for frames of that
 * origin, navigation elsewhere is refused, and popups never open inside the app.
 * Pure: no 'electron' import, so these rules are unit-tested directly.
 */

/** The origin (`http://127.0.0.1:8000`) of a URL, or undefined when it has none. */
export function originOf(url: string | undefined | null): string | undefined {
  if (!url) return undefined
  try {
    const origin = new URL(url).origin
    // Opaque origins (data:, file:, about:blank) serialise as "null": never trusted.
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

/**
 * Whether an IPC message comes from the dashboard: the sending frame's URL
 * (`event.senderFrame.url`) must have exactly the manager's dashboard origin.
 * A missing frame (it navigated away or was destroyed) is not trusted.
 */
export function isTrustedSender(frameUrl: string | undefined | null, dashboardOrigin: string | undefined): boolean {
  if (!dashboardOrigin) return false
  const origin = originOf(frameUrl)
  return origin !== undefined && origin === dashboardOrigin
}

/** What to do with a navigation or `window.open` towards `url`. */
export type NavigationDecision = 'allow' | 'open-externally' | 'deny'

/**
 * In-window navigation is allowed within the dashboard origin only. A web link elsewhere
 * (documentation, say) goes to the system browser; any other scheme is refused.
 */
export function decideNavigation(url: string, dashboardOrigin: string | undefined): NavigationDecision {
  if (isTrustedSender(url, dashboardOrigin)) return 'allow'
  return isWebUrl(url) ? 'open-externally' : 'deny'
}

/**
 * `window.open` never creates an Electron window (it would escape these rules); web links,
 * the dashboard's own "open in browser" included, go to the system browser.
 */
export function decideWindowOpen(url: string): Exclude<NavigationDecision, 'allow'> {
  return isWebUrl(url) ? 'open-externally' : 'deny'
}

function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}
