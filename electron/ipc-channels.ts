/**
 * IPC channel names shared by the preload (which invokes them) and the main process (which
 * answers them after checking the sender). One entry per `DesktopApi` method.
 */
export const IPC_CHANNELS = {
  getSettings: 'argon:get-settings',
  saveSettings: 'argon:save-settings',
} as const
