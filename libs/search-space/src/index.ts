// Public surface of @vela/search-space.
