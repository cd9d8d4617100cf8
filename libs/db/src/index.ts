// Public surface of @vela/db.
