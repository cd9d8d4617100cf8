// Public surface of @vela/compute.
