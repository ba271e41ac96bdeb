/** The recorder of workflow histories, apart from the test projects so no test run ever rewrites the fixtures;
 * scripts/record-histories.sh runs it against a stack of its own. */
module.exports = {
  // The repository root, from this file's folder.
  rootDir: '../../..',
  displayName: 'record-histories',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/support/histories/record-histories.ts'],
};
