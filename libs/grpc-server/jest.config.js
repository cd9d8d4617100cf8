module.exports = { ...require('../../jest.preset'), displayName: 'grpc-server', rootDir: __dirname };
