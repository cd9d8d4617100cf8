module.exports = { ...require('../../jest.preset'), displayName: 'app-pipeline', rootDir: __dirname, testTimeout: 60000 };
