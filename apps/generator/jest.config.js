module.exports = { ...require('../../jest.preset'), displayName: 'app-generator', rootDir: __dirname, testTimeout: 60000 };
