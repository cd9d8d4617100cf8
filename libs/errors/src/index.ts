// Public surface of @vela/errors.
