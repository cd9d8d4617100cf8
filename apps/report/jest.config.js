module.exports = { ...require('../../jest.preset'), displayName: 'app-report', rootDir: __dirname, testTimeout: 60000 };
