// Public surface of @vela/config.
