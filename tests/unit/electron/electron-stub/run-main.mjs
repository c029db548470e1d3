// @ts-check
/**
 * Runs the built desktop main process (out/main/index.js) under plain Node with the Electron
 * stub, then exercises it the way the dashboard and the OS would. Prints one `STEP name {json}`
 * line per observation for the test to check. After the scripted part it keeps running (as
 * the app would) until SIGTERM, which main turns into a clean quit.
 *
 *   node run-main.mjs out/main/index.js [--port 0 --host 127.0.0.1]
 */
import { register } from 'node:module'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

register('./loader.mjs', import.meta.url)
const { probe, recorded, session, app } = await import('./electron.mjs')

/** @param {string} name @param {unknown} data */
const step = (name, data) => console.log(`STEP ${name} ${JSON.stringify(data)}`)
/** @param {string} event @returns {Promise<any>} */
const next = (event) => new Promise((done) => probe.once(event, (...args) => done(args[0])))
/** @param {string} url */
const health = async (url) => {
  try {
    return (await fetch(new URL('/health', url))).status
  } catch {
    return 'refused'
  }
}
/** A port that was free a moment ago. */
const freePort = () =>
  new Promise((done) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
      server.close(() => done(port))
    })
  })
/** @param {string} channel @param {string | null} frameUrl @param {unknown[]} args */
const invoke = async (channel, frameUrl, ...args) => {
  const handler = recorded.ipcHandlers.get(channel)
  if (!handler) return { thrown: 'no handler' }
  try {
    return { value: await handler({ senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args) }
  } catch (error) {
    return { thrown: /** @type {Error} */ (error).message }
  }
}

probe.on('tooltip', (text) => step('tooltip', text))
probe.on('notification', (options) => step('notification', options))
probe.on('error-box', (title, content) => step('error-box', { title, content }))
probe.on('message-box', (options) => step('message-box', { message: options.message }))
probe.on('quit', async () => {
  step('quit', { tray: recorded.trays.map((tray) => tray.destroyed === true) })
  step('after-quit', { health: await health(recorded.windows[0]?.loadedUrls.at(-1) ?? 'http://127.0.0.1:1') })
  process.exit(0)
})
probe.on('exit', (code) => {
  step('exit', { code })
  process.exit(code)
})

const firstLoad = next('load')
await import(pathToFileURL(resolve(process.argv[2] ?? 'out/main/index.js')).href)
const url = await firstLoad
const window = recorded.windows[0]
step('loaded', {
  url,
  health: await health(url),
  sandboxEnabled: recorded.sandboxEnabled,
  userData: app.getPath('userData'),
})
step('web-preferences', window?.options.webPreferences)

const channels = { get: 'argon:get-settings', save: 'argon:save-settings' }
step('get-settings', await invoke(channels.get, url))
step('get-settings-untrusted', {
  otherOrigin: await invoke(channels.get, 'http://evil.example/'),
  otherPort: await invoke(
    channels.get,
    url.replace(/:(\d+)\//, (_, p) => `:${Number(p) + 1}/`),
  ),
  noFrame: await invoke(channels.get, null),
})
step('save-invalid', await invoke(channels.save, url, { host: '0.0.0.0', port: 'eighty', queueSize: null }))
step(
  'save-untrusted',
  await invoke(channels.save, 'file:///tmp/x.html', { host: '127.0.0.1', port: 9, queueSize: null }),
)

const port = await freePort()
const reload = next('load')
const saved = await invoke(channels.save, url, { host: '127.0.0.1', port, queueSize: 50 })
const newUrl = await reload
step('save', { result: saved, newUrl, oldHealth: await health(url), newHealth: await health(newUrl) })
step('get-settings-after-save', {
  fromNewOrigin: await invoke(channels.get, newUrl),
  fromOldOrigin: await invoke(channels.get, url),
})

const csp = await new Promise((done) =>
  recorded.headerListeners[0]?.({ url: newUrl, responseHeaders: { 'content-type': ['text/html'] } }, done),
)
const cspOther = await new Promise((done) =>
  recorded.headerListeners[0]?.({ url: 'http://example.com/', responseHeaders: {} }, done),
)
step('csp', { dashboard: csp, other: cspOther })

const permissionCheck = session.defaultSession.permissionCheckHandler
step('permissions', {
  clipboardFromDashboard: permissionCheck?.(null, 'clipboard-sanitized-write', new URL(newUrl).origin),
  clipboardFromElsewhere: permissionCheck?.(null, 'clipboard-sanitized-write', 'http://example.com'),
  cameraFromDashboard: permissionCheck?.(null, 'media', new URL(newUrl).origin),
})

const contents = /** @type {any} */ (window).webContents
/** @param {string} target */
const navigate = (target) => {
  let prevented = false
  contents.emit('will-frame-navigate', { url: target, isMainFrame: true, preventDefault: () => (prevented = true) })
  return prevented ? 'prevented' : 'allowed'
}
step('navigation', {
  sameOrigin: navigate(new URL('/nodes', newUrl).href),
  otherOrigin: navigate('https://example.com/'),
  file: navigate('file:///etc/passwd'),
  windowOpen: contents.windowOpenHandler?.({ url: 'https://example.com/' })?.action,
})
step('ready', { port })
