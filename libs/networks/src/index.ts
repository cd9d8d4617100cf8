// Public surface of @vela/networks.
