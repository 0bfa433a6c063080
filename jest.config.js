/** Jest runs the TypeScript tests through ts-jest; type errors are caught by tests/typecheck.test.ts. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true } }],
  },
  // Examples import the package by name, as users do; in tests that name is the source tree.
  moduleNameMapper: {
    "^tornado-ts$": "<rootDir>/src",
    "^tornado-ts/(.*)$": "<rootDir>/src/$1",
  },
  setupFiles: ["<rootDir>/tests/support/quiet-logs.ts"],
  testTimeout: 20000,
};
