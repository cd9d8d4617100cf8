#!/usr/bin/env bash
# Generates Python stubs of Vela's contracts (vela.v1, google.api.field_behavior and
# grpc.health.v1) into tests/python/generated/ (git-ignored), for the Python clients and
# plug-ins the tests run. Uses Debian's protoc and gRPC plugin, matched to Debian's
# python3-protobuf / python3-grpcio runtime:
#   apt-get update && apt-get install -y protobuf-compiler libprotobuf-dev protobuf-compiler-grpc python3-grpcio python3-protobuf
# (python3-grpc-tools bundles an older protoc than these protos need: not used.)
# Then checks every module imports with Debian's /usr/bin/python3.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/tests/python/generated"
protoc="${PROTOC:-/usr/bin/protoc}"
grpc_plugin="${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}"
python="${VELA_PYTHON:-/usr/bin/python3}"

for tool in "$protoc" "$grpc_plugin" "$python"; do
  if [ ! -x "$tool" ]; then
    echo "generate-python: $tool not found; install: apt-get install -y protobuf-compiler libprotobuf-dev protobuf-compiler-grpc python3-grpcio python3-protobuf" >&2
    exit 1
  fi
done

rm -rf "$out"
mkdir -p "$out"
cd "$root/proto"

# vela.v1 with services. third_party comes first so its files keep their import paths
# (google/api/field_behavior.proto); protoc finds the well-known types in its own include dir.
"$protoc" -I third_party -I . \
  --python_out="$out" --grpc_python_out="$out" --plugin=protoc-gen-grpc_python="$grpc_plugin" \
  vela/v1/*.proto
"$protoc" -I third_party --python_out="$out" third_party/google/api/field_behavior.proto

# Health is compiled from its own folder into a top-level `health_pb2`: a `grpc/health/v1`
# package would be shadowed by grpcio's regular `grpc` package. Its proto package (and so
# the service path /grpc.health.v1.Health/Check) is unchanged.
"$protoc" -I third_party/grpc/health/v1 \
  --python_out="$out" --grpc_python_out="$out" --plugin=protoc-gen-grpc_python="$grpc_plugin" \
  health.proto

modules=$(cd "$out" && find . -name '*.py' | sed -e 's|^\./||' -e 's|\.py$||' -e 's|/|.|g' | sort)
(cd "$out" && "$python" -c "
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print('generate-python: %d modules import with %s' % (len(sys.argv) - 1, sys.executable))
" $modules)
