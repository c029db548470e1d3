// Lint keeps the house in order: typed rules from typescript-eslint (recommended + stylistic,
// with type information), Svelte components through eslint-plugin-svelte with the TypeScript
// parser, and imports that run one way between the role folders (see CONVENTIONS: protocol ←
// everything; manager ← electron; renderer imports only types from protocol; manager/ and
// node-agent/ never import electron).
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const noElectron = {
  name: 'electron',
  message: 'Only electron/ may import electron: the manager must run under plain Node.',
}

export default tseslint.config(
  {
    ignores: ['dist/**', 'dist-bench/**', 'out/**', 'release/**', 'node_modules/**', 'renderer/public/**'],
  },
  {
    files: ['**/*.ts', '**/*.svelte'],
    extends: [tseslint.configs.recommendedTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A variable that a closure declared earlier reads (a stop handler) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // An empty string (an unset environment variable, a blank field) means absent, as undefined does.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // Unused names are errors, except a leading underscore that marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    extends: [svelte.configs.recommended],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { parser: tseslint.parser, projectService: true, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      // `let { … } = $props()` is how Svelte 5 declares props; svelte/prefer-const knows the runes.
      'prefer-const': 'off',
      'svelte/prefer-const': 'error',
    },
  },
  {
    // Node-side desktop build files belong to the Electron project, not the root one.
    files: ['electron.vite.config.ts', 'build/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: ['./electron/tsconfig.json'] },
    },
  },
  {
    // Test doubles stand in for real objects: their methods may do nothing, and their async
    // methods may answer at once.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-empty-function': 'off', '@typescript-eslint/require-await': 'off' },
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
                '../cli/*',
                '../electron/*',
                '../renderer/*',
                '../../node-agent/*',
                '../../client/*',
                '../../cli/*',
                '../../electron/*',
                '../../renderer/*',
              ],
              message: 'manager/ depends on protocol/ only (its command line lives in cli/).',
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
              group: ['../client/*', '../cli/*', '../electron/*', '../renderer/*'],
              message:
                'node-agent/ depends on protocol/ (and manager/ for stand-alone mode); the flags it shares with argon are in cli-options/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['cli-options/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: ['../node-agent/*', '../client/*', '../cli/*', '../electron/*', '../renderer/*'],
              message: 'cli-options/ serves both programs (argon, node-agent) and imports neither.',
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
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
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
              group: [
                '**/protocol/packet-codec*',
                '**/protocol/machine-link*',
                '**/protocol/token-file*',
                '**/protocol/structured-bytes*',
              ],
              message: 'Browser code: no Node-only protocol modules.',
            },
          ],
        },
      ],
    },
  },
)
