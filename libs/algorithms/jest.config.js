module.exports = { ...require('../../jest.preset'), displayName: 'algorithms', rootDir: __dirname };
