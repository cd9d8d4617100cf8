module.exports = { ...require('../../jest.preset'), displayName: 'trainer', rootDir: __dirname };
