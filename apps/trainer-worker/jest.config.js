module.exports = { ...require('../../jest.preset'), displayName: 'app-trainer-worker', rootDir: __dirname, testTimeout: 60000 };
