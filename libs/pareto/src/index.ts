// Public surface of @vela/pareto.
