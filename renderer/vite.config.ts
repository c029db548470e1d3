import { svelte } from '@sveltejs/vite-plugin-svelte'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * The dashboard build. The manager serves `dist/renderer/` at `/` under a strict CSP
 * (`script-src 'self'`), so everything is bundled into files: no inline script, no CDN.
 * `base: './'` keeps asset URLs relative, so the same build also loads from a file or an
 * Electron window.
 */
export default defineConfig({
  root,
  base: './',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The modulepreload polyfill is bundled, never inlined, but no browser we target needs it.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `vite --config renderer/vite.config.ts` for UI work: the control socket is proxied to a
    // running manager (ARGON_MANAGER_URL, default http://127.0.0.1:8000).
    proxy: {
      '/control.io': { target: process.env.ARGON_MANAGER_URL ?? 'http://127.0.0.1:8000', ws: true },
    },
  },
})
