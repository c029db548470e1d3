#!/usr/bin/env node
// @ts-check
/**
 * `npm run dist`: packages the desktop app with electron-builder. electron-builder 26 needs
 * Node ≥ 22.12 (its native-module rebuilder does), while everything else in Argon runs on
 * Node 20, so it is not a dependency (a Node 20 install would warn about its engine) but is run
 * on demand, after checking the Node version.
 */
import { spawnSync } from 'node:child_process'

const ELECTRON_BUILDER = 'electron-builder@26.17.0'
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `npm run dist: packaging the desktop app uses ${ELECTRON_BUILDER}, which needs Node ≥ 22.12; this is Node ${process.versions.node}. Everything else (install, start, test, the packages) needs Node ≥ 20.`,
  )
  process.exit(1)
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const result = spawnSync(
  npm,
  ['exec', '--yes', `--package=${ELECTRON_BUILDER}`, '--', 'electron-builder', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  },
)
process.exit(result.status ?? 1)
