// Public surface of @vela/testing.
