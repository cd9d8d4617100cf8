module.exports = { ...require('../../jest.preset'), displayName: 'registry', rootDir: __dirname };
