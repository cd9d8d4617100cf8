module.exports = { ...require('../../jest.preset'), displayName: 'datasets', rootDir: __dirname };
