module.exports = { ...require('../../jest.preset'), displayName: 'pareto', rootDir: __dirname };
