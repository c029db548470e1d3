// Tasks that live on the workers, sent as { module: '<absolute path of this file>', export: 'fib' }.
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}
