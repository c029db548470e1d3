// Type-checks the Electron shell. Electron's package (and with it its type declarations) is
// absent where its binary could not be downloaded, since npm drops an optional dependency whose
// install failed; there the check is skipped with a note, except in CI, which must check it.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
try {
  require.resolve('electron/package.json')
} catch {
  if (process.env.CI) {
    console.error('typecheck: electron is not installed; CI must install it (ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci)')
    process.exit(1)
  }
  console.log(
    'typecheck: the desktop shell is not type-checked: the electron package is not installed here (npm leaves it out where its binary could not be installed); reinstall with ELECTRON_SKIP_BINARY_DOWNLOAD=1 to check it',
  )
  process.exit(0)
}
const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'electron/tsconfig.json', '--noEmit'],
  { stdio: 'inherit' },
)
process.exit(tsc.status ?? 1)
