module.exports = { ...require('../../jest.preset'), displayName: 'networks', rootDir: __dirname };
