/**
 * The published package: `npm pack`, installed with `--omit=dev` into an empty folder, gives
 * working `argon` / `node-agent` commands and importable entry points, without Electron.
 * Slow (it builds, packs and installs), so it lives in its own file with long timeouts.
 */
import { execFile } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, runProcess, startProcess } from '../helpers/processes.js'

const exec = promisify(execFile)
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let work = ''
let app = ''

/**
 * npm's own settings from a surrounding `npm test` must not leak into the install, nor vitest's
 * NODE_ENV=test into the prepack build (it would build a development dashboard).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env))
    if (!key.toLowerCase().startsWith('npm_') && key !== 'NODE_ENV') env[key] = value
  return env
}

/**
 * A copy of the tracked sources (with the installed node_modules linked in), so that the prepack
 * build writes its dist/ there and never replaces the one `npm start` serves.
 */
async function copyOfSources(into: string): Promise<string> {
  const { stdout } = await exec('git', ['ls-files', '-z'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue // deleted in the working tree
    mkdirSync(dirname(join(into, file)), { recursive: true })
    copyFileSync(join(ROOT, file), join(into, file))
  }
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir')
  return into
}

describe('npm package', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'argon-pack-'))
    const sources = await copyOfSources(join(work, 'sources'))
    const { stdout } = await exec(npm, ['pack', '--json', '--pack-destination', work], {
      cwd: sources,
      env: cleanEnv(),
      maxBuffer: 64 * 1024 * 1024,
    })
    // The prepack build prints too; npm's JSON report is the array that starts on a line of its own.
    const report = stdout.slice(stdout.search(/^\[\s*$/m))
    const [packed] = JSON.parse(report) as { filename: string }[]
    expect(packed?.filename).toMatch(/^argon-cluster-.*\.tgz$/)

    app = join(work, 'app')
    mkdirSync(app)
    await exec(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', join(work, packed!.filename)], {
      cwd: app,
      env: cleanEnv(),
      maxBuffer: 64 * 1024 * 1024,
    })
  }, 600_000)

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('installs the commands, and `argon --help` runs', async () => {
    const bin = join(app, 'node_modules/.bin')
    expect(existsSync(join(bin, 'argon'))).toBe(true)
    expect(existsSync(join(bin, 'node-agent'))).toBe(true)
    // Run through the bin link itself, so the shebang and the executable bit are checked too.
    const { stdout } = await exec(join(bin, 'argon'), ['--help'], { cwd: app, env: cleanEnv() })
    expect(stdout).toContain('manager')
    const agent = await exec(join(bin, 'node-agent'), ['--help'], { cwd: app, env: cleanEnv() })
    expect(agent.stdout).toContain('--join')
  }, 60_000)

  it('imports every public entry point', async () => {
    const script = [
      "const client = await import('argon-cluster')",
      "const simple = await import('argon-cluster/simple')",
      "const manager = await import('argon-cluster/manager')",
      "const protocol = await import('argon-cluster/protocol')",
      'console.log(JSON.stringify({ Client: typeof client.Client, ArgonError: typeof client.ArgonError, TaskError: typeof client.TaskError,',
      '  connect: typeof simple.connect, run: typeof simple.run, createManager: typeof manager.createManager, version: protocol.PROTOCOL_VERSION }))',
    ].join('\n')
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      env: cleanEnv(),
    })
    expect(JSON.parse(stdout.trim())).toEqual({
      Client: 'function',
      ArgonError: 'function',
      TaskError: 'function',
      connect: 'function',
      run: 'function',
      createManager: 'function',
      version: expect.any(Number) as number,
    })
  }, 60_000)

  it('installs no Electron and no dev tooling', () => {
    const modules = readdirSync(join(app, 'node_modules'))
    for (const unwanted of [
      'electron',
      'electron-builder',
      'electron-vite',
      'vite',
      'svelte',
      'vitest',
      'typescript',
      'argon-desktop-runtime',
      'playwright-core',
    ]) {
      expect(modules, unwanted).not.toContain(unwanted)
    }
    // Only the built output ships, not the TypeScript sources or the tests.
    const shipped = readdirSync(join(app, 'node_modules/argon-cluster'))
    expect(shipped).toContain('dist')
    expect(shipped).not.toContain('tests')
    expect(shipped).not.toContain('manager')
  })

  it('runs a manager, an agent and a client from the installed package', async () => {
    const pkg = join(app, 'node_modules/argon-cluster')
    const token = 'package-test-token-0123456789'
    const home = join(work, 'home')
    mkdirSync(home, { recursive: true })
    const manager = startProcess(
      join(pkg, 'dist/cli/argon.js'),
      ['manager', '--host', '127.0.0.1', '--port', '0', '--token', token],
      { ARGON_HOME: home },
    )
    const port = Number((await manager.waitFor(/listening on http:\/\/[^\s:]+:(\d+)/))[1])
    const agent = startProcess(
      join(pkg, 'dist/node-agent/cli.js'),
      ['--join', `127.0.0.1:${port}`, '--token', token, '--name', 'packaged', '--workers', '1'],
      { ARGON_HOME: home },
    )
    await agent.waitFor(/joined manager/)

    // The built dashboard ships in the package and is served at / with its CSP.
    const page = await fetch(`http://127.0.0.1:${port}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('<script')

    const script = join(app, 'use.mjs')
    writeFileSync(
      script,
      [
        "import { Client } from 'argon-cluster'",
        `const client = new Client({ host: '127.0.0.1', port: ${port}, token: '${token}' })`,
        'try {',
        '  const value = await client.process((a, b) => a + b, [20, 22])',
        '  console.log(`result=${value}`)',
        '} finally {',
        '  await client.close()',
        '}',
      ].join('\n'),
    )
    const result = await runProcess(script, [], { timeoutMs: 30_000 })
    expect(result.code, result.output).toBe(0)
    expect(result.output).toContain('result=42')
  }, 120_000)
})
