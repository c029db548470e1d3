import { describe, expect, it } from 'vitest'
import { compileTaskSource } from '../../../node-agent/task-source.js'

describe('compileTaskSource', () => {
  it('rebuilds plain sources as they are', () => {
    expect(compileTaskSource('(a, b) => a + b')(2, 3)).toBe(5)
  })

  it("supplies esbuild's __name, keeping the inner function's name", () => {
    const fn = compileTaskSource(
      '(x) => { const sq = /* @__PURE__ */ __name((v) => v * v, "sq"); return [sq(x), sq.name] }',
    )
    expect(fn(4)).toEqual([16, 'sq'])
  })

  it("supplies TypeScript's, Babel's and SWC's helpers by the names the tools call them", async () => {
    const ts = compileTaskSource(
      'function (o) { var rest = __rest(o, ["a"]); return __spreadArray([], __read(Object.keys(__assign({}, rest))), false) }',
    )
    expect(ts({ a: 1, b: 2, c: 3 })).toEqual(['b', 'c'])
    const tsAsync = compileTaskSource(
      '(x) => __awaiter(void 0, void 0, void 0, function () { return __generator(this, function (_a) { return [2, x * 2] }) })',
    )
    await expect(tsAsync(21)).resolves.toBe(42)
    const babel = compileTaskSource(
      'function (o) { return _objectSpread2(_objectSpread2({}, o), {}, { b: _toConsumableArray(o.list).length }) }',
    )
    expect(babel({ list: [1, 2] })).toEqual({ list: [1, 2], b: 2 })
    const swc = compileTaskSource(
      'function (o) { return _object_spread({}, o, { n: _to_consumable_array(o.list).length }) }',
    )
    expect(swc({ list: [1] })).toEqual({ list: [1], n: 1 })
  })

  it('adds nothing to the globals, and leaves names that are no helper alone', () => {
    compileTaskSource('() => __name(() => 1, "one")')
    expect('__name' in globalThis).toBe(false)
    expect(() => compileTaskSource('() => _notAHelperAnywhere()')()).toThrow(/_notAHelperAnywhere is not defined/)
  })

  it('refuses a source that is not a function', () => {
    expect(() => compileTaskSource('42')).toThrow(/not a function/)
  })
})
