module.exports = { ...require('../../jest.preset'), displayName: 'search-space', rootDir: __dirname };
