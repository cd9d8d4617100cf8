module.exports = { ...require('../../jest.preset'), displayName: 'app-dashboard', rootDir: __dirname, testTimeout: 60000 };
