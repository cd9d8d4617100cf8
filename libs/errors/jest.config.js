module.exports = { ...require('../../jest.preset'), displayName: 'errors', rootDir: __dirname };
