// `testTimeout` in a project's config is ignored when jest runs several projects (`npm test`),
// and jest's 5 s default is too short for a case that starts processes on a busy two-core host.
jest.setTimeout(120000);
