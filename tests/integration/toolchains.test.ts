/**
 * Functions as common build tools emit them run on a real cluster: esbuild (what tsx runs, with
 * its `__name` helper), TypeScript lowering to ES5/ES2015 (`__awaiter`, `__generator`,
 * `__spreadArray`, `__rest`…), Babel's preset-env for old targets (`_asyncToGenerator`,
 * `_regenerator`…) and SWC (`_async_to_generator`, `_ts_generator`…). Each tool compiles the same
 * TypeScript module; a plain Node program imports the output and sends its function, exactly as a
 * user's built program would.
 */
import { transformAsync } from '@babel/core'
import { transform as swcTransform } from '@swc/core'
import { transform as esbuildTransform } from 'esbuild'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ROOT, runProcess } from '../helpers/processes.js'
import { startCluster, type StartedCluster } from './support.js'

const RUNNER = join(ROOT, 'tests/fixtures/run-compiled-task.mjs')
const CLIENT_ENTRY = join(ROOT, 'dist/client/index.js')

/** Inner functions, async/await, spread, for-of and a default parameter: what tools lower. */
const TASK_SOURCE = `
export const task = async (words: string[], scale: number = 1) => {
  const square = (value: number) => value * value
  function lengthOf(word: string): number {
    return word.length
  }
  const lengths: number[] = []
  for (const word of [...words, 'argon']) lengths.push(square(lengthOf(word)) * scale)
  await new Promise((resolve) => setTimeout(resolve, 1))
  const summary = { ...{ count: lengths.length }, total: lengths.reduce((a, b) => a + b, 0) }
  return { lengths, summary, name: square.name }
}
`
const ARGS = [['ab', 'cde'], 2]
const EXPECTED = { lengths: [8, 18, 50], summary: { count: 3, total: 76 }, name: 'square' }

/** The same without async: Babel wraps an async function for an old target in a closure. */
const SYNC_TASK_SOURCE = TASK_SOURCE.replace('async ', '').replace(/^.*await .*$/m, '')

/** Object rest in a parameter list: TypeScript and SWC lower it inside the function. */
const REST_SOURCE = `
export const task = ({ drop, ...kept }: { drop: number; [key: string]: number }) => Object.keys(kept).length + drop
`

type Compile = (source: string) => Promise<string>

const toolchains: Record<string, Compile> = {
  'esbuild (as tsx runs it, keepNames)': async (source) =>
    (await esbuildTransform(source, { loader: 'ts', format: 'esm', keepNames: true, target: 'node20' })).code,
  'TypeScript to ES5': async (source) =>
    ts.transpileModule(source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES5,
        module: ts.ModuleKind.ES2015,
        lib: ['lib.es2015.d.ts'],
        downlevelIteration: true,
      },
    }).outputText,
  'TypeScript to ES2015': async (source) =>
    ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2015, module: ts.ModuleKind.ES2015 } })
      .outputText,
  'Babel preset-env for old browsers': async (source) =>
    (await transformAsync(source, {
      filename: 'task.ts',
      babelrc: false,
      configFile: false,
      presets: [['@babel/preset-env', { targets: { ie: '11' }, modules: false }], '@babel/preset-typescript'],
    }))!.code!,
  "Babel preset-env for the workers' Node": async (source) =>
    (await transformAsync(source, {
      filename: 'task.ts',
      babelrc: false,
      configFile: false,
      presets: [['@babel/preset-env', { targets: { node: '20' }, modules: false }], '@babel/preset-typescript'],
    }))!.code!,
  'SWC to ES5': async (source) =>
    (
      await swcTransform(source, {
        filename: 'task.ts',
        jsc: { parser: { syntax: 'typescript' }, target: 'es5' },
        module: { type: 'es6' },
      })
    ).code,
  'SWC to ES2017': async (source) =>
    (
      await swcTransform(source, {
        filename: 'task.ts',
        jsc: { parser: { syntax: 'typescript' }, target: 'es2017' },
        module: { type: 'es6' },
      })
    ).code,
}

let cluster: StartedCluster
let work = ''

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'argon-toolchains-'))
})

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

async function runCompiled(
  name: string,
  code: string,
  args: unknown[],
): Promise<{ ok: boolean; value?: unknown; code?: string; message?: string }> {
  const file = join(work, `${name.replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(file, code)
  const run = await runProcess(
    RUNNER,
    [file, String(cluster.manager.port), cluster.manager.token, CLIENT_ENTRY, JSON.stringify(args)],
    { timeoutMs: 30_000 },
  )
  const line = /^OUTCOME (.*)$/m.exec(run.output)
  expect(line, `${name}:\n${code}\n${run.output}`).not.toBeNull()
  return JSON.parse(line![1]!) as { ok: boolean; value?: unknown; code?: string; message?: string }
}

describe('functions compiled by common toolchains', () => {
  // Every test gets its own cluster: the process helper kills what a test started when it ends.
  beforeEach(async () => {
    cluster = await startCluster({ agents: [{ name: 'tools', workers: 1 }] })
  })

  for (const [name, compile] of Object.entries(toolchains)) {
    const babelOld = name === 'Babel preset-env for old browsers'
    it(`runs ${babelOld ? 'a synchronous' : 'an async'} function as ${name} emits it`, async () => {
      const code = await compile(babelOld ? SYNC_TASK_SOURCE : TASK_SOURCE)
      const outcome = await runCompiled(name, code, ARGS)
      expect(outcome, code).toEqual({ ok: true, value: EXPECTED })
    })
  }

  it('the tools really emit the helpers under test', async () => {
    expect(await toolchains['esbuild (as tsx runs it, keepNames)']!(TASK_SOURCE)).toMatch(/__name\(/)
    expect(await toolchains['TypeScript to ES5']!(TASK_SOURCE)).toMatch(
      /__awaiter\([\s\S]*__generator\([\s\S]*__spreadArray\(/,
    )
    expect(await toolchains['Babel preset-env for old browsers']!(SYNC_TASK_SOURCE)).toMatch(
      /_toConsumableArray\([\s\S]*_objectSpread\(/,
    )
    expect(await toolchains['SWC to ES5']!(TASK_SOURCE)).toMatch(/_async_to_generator\(/)
  })

  it('runs object rest as TypeScript and SWC lower it (inside the function)', async () => {
    for (const name of ['TypeScript to ES2015', 'SWC to ES5']) {
      const code = await toolchains[name]!(REST_SOURCE)
      expect(code).toMatch(/__rest\(|_object_without_properties\(/)
      expect(await runCompiled(name, code, [{ drop: 10, a: 1, b: 2 }]), code).toEqual({ ok: true, value: 12 })
    }
  })

  it('refuses at the call, with what to do, what Babel hoists out of a function', async () => {
    const wrapped = await runCompiled(
      'babel-async',
      await toolchains['Babel preset-env for old browsers']!(TASK_SOURCE),
      ARGS,
    )
    expect(wrapped).toMatchObject({ ok: false, code: 'BAD_REQUEST' })
    expect(wrapped.message).toMatch(/wrapper around `_ref`.*targets/)
    const code = await toolchains['Babel preset-env for old browsers']!(REST_SOURCE)
    expect(code).toMatch(/var _excluded = /)
    const outcome = await runCompiled('babel-rest', code, [{ drop: 10, a: 1 }])
    expect(outcome.ok).toBe(false)
    expect(outcome.code).toBe('BAD_REQUEST')
    expect(outcome.message).toMatch(/hoisted `_excluded`.*targets/)
  })

  it('refuses a closure variable and an outer `this` at the call, naming them', async () => {
    const closure = await runCompiled('closure', 'const factor = 3\nexport const task = (x) => x * factor\n', [2])
    expect(closure).toMatchObject({ ok: false, code: 'BAD_REQUEST' })
    expect(closure.message).toMatch(/`factor`.*pass `factor` as an argument/)
    const outerThis = await runCompiled(
      'this',
      'const holder = { scale: 2, make() { return (x) => x * this.scale } }\nexport const task = holder.make()\n',
      [2],
    )
    expect(outerThis).toMatchObject({ ok: false, code: 'BAD_REQUEST' })
    expect(outerThis.message).toMatch(/`this`/)
    const importHelpers = await runCompiled(
      'tslib',
      'const tslib_1 = { __assign: Object.assign }\nexport const task = (x) => tslib_1.__assign({}, x)\n',
      [{ a: 1 }],
    )
    expect(importHelpers).toMatchObject({ ok: false, code: 'BAD_REQUEST' })
    expect(importHelpers.message).toMatch(/importHelpers/)
  })
})
