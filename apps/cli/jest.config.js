module.exports = { ...require('../../jest.preset'), displayName: 'app-cli', rootDir: __dirname, testTimeout: 60000 };
