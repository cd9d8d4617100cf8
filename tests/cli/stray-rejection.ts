// Preloaded (`node -r`) into `vela serve` by serve.spec.ts: SIGUSR2 leaves a rejected promise
// that nothing handles, as a background query does when the database connection drops.
process.on('SIGUSR2', () => void Promise.reject(new Error('stray rejection from the test')));
