// Lint keeps the house in order: imports run one way between the role folders (see
// CONVENTIONS: protocol ← everything; manager ← electron; renderer imports only types from
// protocol; manager/ and node-agent/ never import electron).
import tseslint from 'typescript-eslint'

const noElectron = {
  name: 'electron',
  message: 'Only electron/ may import electron: the manager must run under plain Node.',
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-bench/**',
      'out/**',
      'release/**',
      'node_modules/**',
      '**/*.svelte',
      'renderer/public/**',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    rules: {},
  },
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: ['../manager/*', '../node-agent/*', '../client/*', '../cli/*', '../electron/*', '../renderer/*'],
              message: 'protocol/ is imported by everyone and imports no one.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['manager/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: [
                '../node-agent/*',
                '../client/*',
                '../electron/*',
                '../renderer/*',
                '../../node-agent/*',
                '../../client/*',
                '../../electron/*',
                '../../renderer/*',
              ],
              message: 'manager/ depends on protocol/ only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['node-agent/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: ['../client/*', '../electron/*', '../renderer/*'],
              message: 'node-agent/ depends on protocol/ (and manager/ for stand-alone mode).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: ['../manager/*', '../node-agent/*', '../cli/*', '../electron/*', '../renderer/*'],
              message: 'client/ depends on socket.io-client and protocol/ only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: ['**/manager/*', '**/node-agent/*', '**/client/*', '**/cli/*', '**/electron/*'],
              message: 'The dashboard talks to the manager over the control socket only.',
            },
            {
              group: ['**/protocol/packet-codec*', '**/protocol/token-file*', '**/protocol/structured-bytes*'],
              message: 'Browser code: no Node-only protocol modules.',
            },
          ],
        },
      ],
    },
  },
)
