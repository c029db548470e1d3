/**
 * The only bridge between the dashboard and Electron: `window.argonDesktop`, implementing
 * `DesktopApi` with two `ipcRenderer.invoke` calls. No Electron or Node object crosses the
 * bridge, only plain data; the main process checks who sent each message and validates it.
 * Bundled to one CommonJS file because sandboxed preloads can neither import ESM nor require
 * anything but 'electron'.
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { DesktopApi, DesktopSettings } from '../protocol/desktop.js'
import { IPC_CHANNELS } from './ipc-channels.js'

const argonDesktop: DesktopApi = {
  getSettings: () => ipcRenderer.invoke(IPC_CHANNELS.getSettings) as Promise<DesktopSettings>,
  saveSettings: (settings: DesktopSettings) =>
    ipcRenderer.invoke(IPC_CHANNELS.saveSettings, settings) as ReturnType<DesktopApi['saveSettings']>,
}

contextBridge.exposeInMainWorld('argonDesktop', argonDesktop)
