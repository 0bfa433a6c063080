/** Jest runs the TypeScript tests through ts-jest; type errors are caught by tests/typecheck.test.ts. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true } }],
  },
  setupFiles: ["<rootDir>/tests/support/quiet-logs.ts"],
  testTimeout: 20000,
};
