#!/usr/bin/python3
"""A Python client of Vela's Report service, proving the contracts work from another language.

Usage (run with Debian's /usr/bin/python3 after scripts/generate-python.sh):

    report_client.py ADDRESS TOKEN [--run-id R] [--step-id S] [--trial-id T] [--attempt N]
                     [--epoch E] [--artifact-bytes B] [--timeout SECONDS] [--dry-run]

It checks health (grpc.health.v1), writes one record for (trial, attempt, epoch) with
UpdateRecord, finds it on the step's ParetoFront, reads it back from a WatchRecords stream
opened just before its seq, and uploads then downloads an artifact, comparing SHA-256. It
prints one JSON line with the results and exits non-zero on any failure. An empty TOKEN sends
no authorization header. --dry-run parses the arguments and builds the requests without
connecting. Run, step and trial ids default to fresh UUIDs (Report does not own trials).
"""

import argparse
import hashlib
import json
import os
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "generated"))

try:
    import grpc
    from google.protobuf import struct_pb2

    import health_pb2
    import health_pb2_grpc
    from vela.v1 import artifact_pb2, common_pb2, record_pb2, report_service_pb2, report_service_pb2_grpc, trial_pb2
except ImportError as error:  # The stubs are generated, not committed.
    print(json.dumps({"ok": False, "stage": "import", "error": "%s (run scripts/generate-python.sh)" % error}))
    sys.exit(2)

CHUNK_BYTES = 256 * 1024
OBJECTIVES = [
    common_pb2.ObjectiveSpec(key="accuracy", goal=common_pb2.OBJECTIVE_GOAL_MAXIMIZE),
    common_pb2.ObjectiveSpec(key="latency_ms", goal=common_pb2.OBJECTIVE_GOAL_MINIMIZE),
]


class CheckFailed(Exception):
    """A result that came back but was not what the contract promises."""


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Exercise Vela's Report service over gRPC.")
    parser.add_argument("address", help="host:port of the Report service")
    parser.add_argument("token", help="the shared token, sent as 'authorization: Bearer <token>'; '' for none")
    parser.add_argument("--run-id", default=str(uuid.uuid4()))
    parser.add_argument("--step-id", default="nas")
    parser.add_argument("--trial-id", default=str(uuid.uuid4()), help="the trial this client may write records for")
    parser.add_argument("--attempt", type=positive_int, default=1, help="the attempt it may write (from 1)")
    parser.add_argument("--epoch", type=non_negative_int, default=1)
    parser.add_argument("--artifact-bytes", type=non_negative_int, default=3 * CHUNK_BYTES + 123)
    parser.add_argument("--timeout", type=float, default=30.0, help="deadline of each call, in seconds")
    parser.add_argument("--dry-run", action="store_true", help="parse, build the requests and print them; connect to nothing")
    return parser.parse_args(argv)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1, got %d" % value)
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0, got %d" % value)
    return value


def build_record(args):
    desc = struct_pb2.Struct()
    desc.update({"modules": ["backbone"], "backbone": {"type": "ResNet", "depth": 18}})
    hps = struct_pb2.Struct()
    hps.update({"trainer": {"optimizer": {"type": "Adam", "params": {"lr": 0.001}}}})
    return record_pb2.Record(
        run_id=args.run_id,
        step_id=args.step_id,
        trial_id=args.trial_id,
        trial_number=1,
        attempt=args.attempt,
        epoch=args.epoch,
        trial_state=trial_pb2.TRIAL_STATE_SUCCEEDED,
        desc=desc,
        hyperparameters=hps,
        performance={"accuracy": 0.875, "loss": 0.31},
        objectives=[
            record_pb2.Objective(key="accuracy", goal=common_pb2.OBJECTIVE_GOAL_MAXIMIZE, value=0.875),
            record_pb2.Objective(key="latency_ms", goal=common_pb2.OBJECTIVE_GOAL_MINIMIZE, value=4.5),
        ],
        flops=0.56,
        params=11.2,
        latency_ms=4.5,
        backend="python-client",
        threads=1,
        device="cpu",
    )


def artifact_content(size):
    # Deterministic, non-repeating bytes so a reordered or dropped chunk changes the digest.
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


def upload_requests(args, content):
    artifact = artifact_pb2.Artifact(
        run_id=args.run_id,
        trial_id=args.trial_id,
        attempt=args.attempt,
        kind=artifact_pb2.ARTIFACT_KIND_CHECKPOINT,
        file_name="python-client.ckpt",
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    yield report_service_pb2.UploadArtifactRequest(
        metadata=report_service_pb2.UploadArtifactMetadata(artifact=artifact, request_id=str(uuid.uuid4()))
    )
    for start in range(0, len(content), CHUNK_BYTES):
        yield report_service_pb2.UploadArtifactRequest(chunk=content[start:start + CHUNK_BYTES])


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def run(args, results):
    metadata = [("authorization", "Bearer " + args.token)] if args.token else []
    timeout = args.timeout
    with grpc.insecure_channel(args.address) as channel:
        results["stage"] = "health"
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "vela.v1.ReportService"):
            status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout, metadata=metadata).status
            check(status == health_pb2.HealthCheckResponse.SERVING, "health of %r is %s" % (service, health_pb2.HealthCheckResponse.ServingStatus.Name(status)))
        results["health"] = "SERVING"

        report = report_service_pb2_grpc.ReportServiceStub(channel)

        results["stage"] = "update_record"
        written = report.UpdateRecord(report_service_pb2.UpdateRecordRequest(record=build_record(args)), timeout=timeout, metadata=metadata).record
        check(written.trial_id == args.trial_id and written.attempt == args.attempt and written.epoch == args.epoch, "UpdateRecord answered another key")
        check(written.seq > 0, "UpdateRecord answered seq %d" % written.seq)
        results["record_seq"] = written.seq

        results["stage"] = "get_record"
        got = report.GetRecord(
            report_service_pb2.GetRecordRequest(trial_id=args.trial_id, attempt=args.attempt, epoch=args.epoch), timeout=timeout, metadata=metadata
        ).record
        check(got.seq == written.seq and dict(got.performance) == dict(written.performance), "GetRecord differs from what was written")

        results["stage"] = "pareto_front"
        front = report.ParetoFront(
            report_service_pb2.ParetoFrontRequest(run_id=args.run_id, step_id=args.step_id, objectives=OBJECTIVES), timeout=timeout, metadata=metadata
        )
        front_ids = [point.record.trial_id for point in front.points]
        check(args.trial_id in front_ids, "trial %s is not on the pareto front %s" % (args.trial_id, front_ids))
        results["pareto_trial_ids"] = front_ids

        results["stage"] = "watch_records"
        stream = report.WatchRecords(
            report_service_pb2.WatchRecordsRequest(run_id=args.run_id, step_id=args.step_id, trial_id=args.trial_id, after_seq=written.seq - 1),
            timeout=timeout,
            metadata=metadata,
        )
        try:
            watched = next(stream).record
        finally:
            stream.cancel()
        check(
            (watched.trial_id, watched.attempt, watched.epoch, watched.seq) == (args.trial_id, args.attempt, args.epoch, written.seq),
            "WatchRecords sent (%s, %d, %d, seq %d)" % (watched.trial_id, watched.attempt, watched.epoch, watched.seq),
        )
        results["watched_seq"] = watched.seq

        results["stage"] = "upload_artifact"
        content = artifact_content(args.artifact_bytes)
        digest = hashlib.sha256(content).hexdigest()
        uploaded = report.UploadArtifact(upload_requests(args, content), timeout=timeout, metadata=metadata).artifact
        check(uploaded.name.startswith("artifacts/") and uploaded.complete, "UploadArtifact answered %r, complete=%s" % (uploaded.name, uploaded.complete))
        check(uploaded.size_bytes == len(content) and uploaded.sha256 == digest, "UploadArtifact stored another size or digest")
        results["artifact"] = uploaded.name

        results["stage"] = "download_artifact"
        first = True
        received = hashlib.sha256()
        received_bytes = 0
        for message in report.DownloadArtifact(report_service_pb2.DownloadArtifactRequest(name=uploaded.name), timeout=timeout, metadata=metadata):
            if first:
                check(message.WhichOneof("payload") == "metadata", "the first DownloadArtifact message is not metadata")
                check(message.metadata.sha256 == digest and message.metadata.size_bytes == len(content), "DownloadArtifact metadata differs")
                first = False
                continue
            check(message.WhichOneof("payload") == "chunk", "a DownloadArtifact message after the first is not a chunk")
            received.update(message.chunk)
            received_bytes += len(message.chunk)
        check(not first, "DownloadArtifact sent nothing")
        check(received_bytes == len(content), "downloaded %d bytes, uploaded %d" % (received_bytes, len(content)))
        check(received.hexdigest() == digest, "downloaded SHA-256 %s, uploaded %s" % (received.hexdigest(), digest))

        results["stage"] = "get_artifact"
        fetched = report.GetArtifact(report_service_pb2.GetArtifactRequest(name=uploaded.name), timeout=timeout, metadata=metadata).artifact
        check(fetched.sha256 == digest, "GetArtifact reports another digest")

        results.update(artifact_bytes=len(content), sha256=digest, sha256_match=True)
        del results["stage"]


def main(argv):
    args = parse_args(argv)
    results = {"ok": False, "address": args.address, "run_id": args.run_id, "step_id": args.step_id, "trial_id": args.trial_id, "attempt": args.attempt}
    if args.dry_run:
        record = build_record(args)
        chunks = list(upload_requests(args, artifact_content(args.artifact_bytes)))
        results.update(ok=True, dry_run=True, record_bytes=record.ByteSize(), upload_messages=len(chunks))
        print(json.dumps(results))
        return 0
    try:
        run(args, results)
        results["ok"] = True
    except grpc.RpcError as error:
        results["error"] = "%s: %s" % (error.code().name, error.details())
    except (CheckFailed, StopIteration) as error:
        results["error"] = str(error) or type(error).__name__
    print(json.dumps(results))
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
