// `npm test` runs every project's jest config in one jest process, so the
// summary at the end covers the whole repository.
const fs = require('node:fs');
const path = require('node:path');

const configsUnder = (dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .map((name) => path.join(dir, name, 'jest.config.js'))
        .filter((file) => fs.existsSync(file))
    : [];

module.exports = {
  projects: [...configsUnder('libs'), ...configsUnder('apps'), 'tests/jest.config.js']
    .filter((file) => fs.existsSync(file))
    .map((file) => `<rootDir>/${file}`),
};
