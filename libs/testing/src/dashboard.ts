// `@vela/testing/dashboard`: the browser and seeded runs for the dashboard's tests and
// benchmark (kept apart from the main entry, so other tests do not load Playwright).
export * from './lib/dashboard-harness';
