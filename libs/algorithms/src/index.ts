// Public surface of @vela/algorithms.
