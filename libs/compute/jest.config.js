module.exports = { ...require('../../jest.preset'), displayName: 'compute', rootDir: __dirname };
