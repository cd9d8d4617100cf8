module.exports = { ...require('../../jest.preset'), displayName: 'local-mode', rootDir: __dirname };
