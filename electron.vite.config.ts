/**
 * Builds the desktop shell: `out/main/index.js` (ESM main process) and
 * `out/preload/index.cjs` (the sandboxed preload, which must be a single CommonJS file).
 * There is no renderer entry: the window loads the dashboard the manager itself serves.
 *
 * The manager is not bundled into main. main imports the compiled `dist/manager/` at run
 * time, the very code `argon manager` runs, which also finds its dashboard files
 * (`dist/renderer/`) next to itself as usual.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const managerSource = resolve(root, 'manager/index')
/** The compiled manager, as seen from `out/main/index.js` (the same layout inside the packaged app). */
const MANAGER_FROM_MAIN = '../../dist/manager/index.js'

/** Rewrites `../manager/index.js` in main to an external import of the compiled manager. */
function managerFromDist(): Plugin {
  return {
    name: 'argon:manager-from-dist',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !/\/manager\/index(\.[jt]s)?$/.test(source)) return null
      const target = resolve(importer, '..', source).replace(/\.[jt]s$/, '')
      if (target !== managerSource) return null
      // 'relative' keeps the id verbatim in the output.
      return { id: MANAGER_FROM_MAIN, external: 'relative' as const }
    },
  }
}

export default defineConfig({
  main: {
    plugins: [managerFromDist()],
    build: {
      outDir: resolve(root, 'out/main'),
      rollupOptions: {
        input: { index: resolve(root, 'electron/main.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rollupOptions: {
        input: { index: resolve(root, 'electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
})
