// Public surface of @vela/datasets.
