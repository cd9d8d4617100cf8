// Public surface of @vela/trainer.
