// @ts-check
/**
 * A stand-in for the 'electron' module, just wide enough to run the desktop main process under
 * plain Node where Electron's binary is absent. It records what main asks of Electron (window
 * options, IPC handlers, tray text, notifications) so a scenario can drive and check it.
 */
import { EventEmitter } from 'node:events'

export const recorded = {
  /** @type {Map<string, (event: unknown, ...args: unknown[]) => unknown>} */
  ipcHandlers: new Map(),
  /** @type {BrowserWindow[]} */
  windows: [],
  /** @type {Array<{ title?: string, body?: string }>} */
  notifications: [],
  /** @type {Array<(details: any, callback: (response: any) => void) => void>} */
  headerListeners: [],
  /** @type {Tray[]} */
  trays: [],
  /** @type {string[]} */
  errors: [],
  sandboxEnabled: false,
}

/** Lets a scenario wait for what main does next. */
export const probe = new EventEmitter()

class App extends EventEmitter {
  #paths = new Map([
    ['appData', process.env.ELECTRON_STUB_APP_DATA ?? '/nonexistent'],
    ['logs', `${process.env.ELECTRON_STUB_APP_DATA ?? '/nonexistent'}/logs`],
  ])
  #ready = false
  isPackaged = process.env.ELECTRON_STUB_PACKAGED === '1'
  #quitting = false
  getPath(/** @type {string} */ name) {
    const path = this.#paths.get(name)
    if (!path) throw new Error(`stub: no path ${name}`)
    return path
  }
  setPath(/** @type {string} */ name, /** @type {string} */ path) {
    this.#paths.set(name, path)
  }
  enableSandbox() {
    recorded.sandboxEnabled = true
  }
  requestSingleInstanceLock() {
    return true
  }
  isReady() {
    return this.#ready
  }
  whenReady() {
    this.#ready = true
    return Promise.resolve()
  }
  quit() {
    if (this.#quitting) return
    let prevented = false
    this.emit('before-quit', { preventDefault: () => (prevented = true) })
    if (prevented) return
    this.#quitting = true
    probe.emit('quit')
  }
  exit(/** @type {number} */ code = 0) {
    probe.emit('exit', code)
  }
}
export const app = new App()

class WebContents extends EventEmitter {
  /** @type {((details: { url: string }) => { action: string }) | undefined} */
  windowOpenHandler
  setWindowOpenHandler(/** @type {any} */ handler) {
    this.windowOpenHandler = handler
  }
}

export class BrowserWindow extends EventEmitter {
  /** @type {string[]} */
  loadedUrls = []
  #destroyed = false
  constructor(/** @type {any} */ options) {
    super()
    this.options = options
    this.webContents = new WebContents()
    recorded.windows.push(this)
    app.emit('web-contents-created', {}, this.webContents)
  }
  async loadURL(/** @type {string} */ url) {
    this.loadedUrls.push(url)
    probe.emit('load', url)
    queueMicrotask(() => this.emit('ready-to-show'))
  }
  isDestroyed() {
    return this.#destroyed
  }
  isMinimized() {
    return false
  }
  restore() {}
  show() {}
  focus() {}
}

export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived(/** @type {any} */ listener) {
        recorded.headerListeners.push(listener)
      },
    },
    setPermissionRequestHandler(/** @type {any} */ handler) {
      this.permissionRequestHandler = handler
    },
    setPermissionCheckHandler(/** @type {any} */ handler) {
      this.permissionCheckHandler = handler
    },
    setCertificateVerifyProc(/** @type {any} */ proc) {
      this.certificateVerifyProc = proc
    },
    /** @type {any} */ certificateVerifyProc: undefined,
    /** @type {any} */ permissionRequestHandler: undefined,
    /** @type {any} */ permissionCheckHandler: undefined,
  },
}

export const ipcMain = {
  handle(/** @type {string} */ channel, /** @type {any} */ handler) {
    recorded.ipcHandlers.set(channel, handler)
  },
}

export class Tray extends EventEmitter {
  tooltip = ''
  /** @type {any} */ menu
  constructor() {
    super()
    recorded.trays.push(this)
  }
  setToolTip(/** @type {string} */ text) {
    if (text === this.tooltip) return
    this.tooltip = text
    probe.emit('tooltip', text)
  }
  setContextMenu(/** @type {any} */ menu) {
    this.menu = menu
  }
  destroy() {
    this.destroyed = true
  }
}

export const Menu = {
  buildFromTemplate: (/** @type {any[]} */ items) => ({ items }),
}

class NativeImage {
  /** @type {unknown[]} */
  representations = []
  addRepresentation(/** @type {unknown} */ representation) {
    this.representations.push(representation)
  }
  setTemplateImage() {}
}

export const nativeImage = {
  createEmpty: () => new NativeImage(),
  createFromBuffer: (/** @type {Buffer} */ buffer) => Object.assign(new NativeImage(), { buffer }),
}

export class Notification extends EventEmitter {
  static isSupported() {
    return true
  }
  constructor(/** @type {{ title?: string, body?: string }} */ options) {
    super()
    this.options = options
  }
  show() {
    recorded.notifications.push(this.options)
    probe.emit('notification', this.options)
  }
}

export const dialog = {
  showErrorBox(/** @type {string} */ title, /** @type {string} */ content) {
    recorded.errors.push(`${title}: ${content}`)
    probe.emit('error-box', title, content)
  },
  async showMessageBox(/** @type {any} */ options) {
    recorded.errors.push(String(options.message))
    probe.emit('message-box', options)
    return { response: Number(process.env.ELECTRON_STUB_DIALOG_RESPONSE ?? 1) }
  },
}

export const shell = { openExternal: async () => {} }
export const clipboard = { writeText: () => {} }

export default { app, BrowserWindow, session, ipcMain, Tray, Menu, nativeImage, Notification, dialog, shell, clipboard }
