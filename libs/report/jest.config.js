module.exports = { ...require('../../jest.preset'), displayName: 'report', rootDir: __dirname };
