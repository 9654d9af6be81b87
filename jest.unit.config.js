// The unit tier: the tests beside the code (`*.test.ts` outside test/), pure logic and real
// sockets on 127.0.0.1, without the private stack. `make test-unit` runs it in under a
// minute; `make test` runs it together with the integration tier in test/.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  globalSetup: undefined,
  globalTeardown: undefined,
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/'],
};
