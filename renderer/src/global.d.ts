import type { DesktopApi } from '../../protocol/desktop.js'

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a plain browser. */
    argonDesktop?: DesktopApi
  }
}

export {}
