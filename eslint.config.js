// Lint and format rules for the whole tree: neostandard (standard's style, for TypeScript), run by
// `npm run lint` and CI; `npm run lint -- --fix` applies the formatting. Where we differ:
// - `void promise` marks a promise deliberately not awaited (a statement only);
// - loops whose condition another callback changes (`while (running)` around awaits) are normal here;
// - regular expressions match ANSI escapes (\x1b) on purpose;
// - names starting with _ may stay unused (destructuring to drop a field, placeholders).
import neostandard from 'neostandard'

const unused = { varsIgnorePattern: '^_', argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', 'oclif.manifest.json'] }),
  {
    rules: {
      'no-void': ['error', { allowAsStatement: true }],
      'no-unmodified-loop-condition': 'off',
      'no-control-regex': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], rules: { 'no-unused-vars': ['error', unused] } },
  { files: ['**/*.ts'], rules: { '@typescript-eslint/no-unused-vars': ['error', unused] } },
]
