// Public surface of @vela/report.
