// Public surface of @vela/grpc-server.
