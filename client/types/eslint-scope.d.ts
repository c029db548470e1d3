// The part of eslint-scope's API used to find a task function's free variables (the package ships
// no type declarations).
declare module 'eslint-scope' {
  import type { Node } from 'acorn'

  export interface Reference {
    identifier: { name: string }
  }
  export interface Scope {
    through: Reference[]
  }
  export interface ScopeManager {
    globalScope: Scope
  }
  export function analyze(ast: Node, options: { ecmaVersion: number; sourceType: 'script' | 'module' }): ScopeManager
}
