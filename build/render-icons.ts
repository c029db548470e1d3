/**
 * Renders build/icon.png, the source electron-builder turns into the .icns, .ico and Linux
 * icon sets. Run after changing electron/app-icon.ts: `npx tsx build/render-icons.ts`.
 */
import { writeFileSync } from 'node:fs'
import { renderIconPng } from '../electron/app-icon.js'

writeFileSync(new URL('./icon.png', import.meta.url), renderIconPng(1024))
