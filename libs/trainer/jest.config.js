// Specs here train real (tiny) networks: allow for a loaded machine beyond jest's 5 s default.
module.exports = { ...require('../../jest.preset'), displayName: 'trainer', rootDir: __dirname, testTimeout: 30000 };
