// Public surface of @vela/contracts.
