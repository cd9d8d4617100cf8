module.exports = { ...require('../../jest.preset'), displayName: 'records', rootDir: __dirname };
