// Lint: typescript-eslint's recommended rules over the service, its tests and benchmarks.
// Formatting is Prettier's job (npm run format); layering is dependency-cruiser's (npm run layering).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']",
          message: 'A focused test silences the rest of the suite.',
        },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON bodies and SDK replies loosely; the service itself may not.
    files: ['test/**', 'bench/**', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Runs in the operator's browser against uPlot's untyped globals (serialised into the page).
    files: ['src/analytics/dashboard/dashboard.{client,charts,plot}.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Runs in the user's browser against the DOM and JSON answers (serialised into the page).
    files: ['src/user-page/user-page.{client,history,packs}.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['*.js', '*.cjs', 'scripts/**'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
