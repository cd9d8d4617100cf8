#!/usr/bin/python3
"""A search algorithm written in Python, served through Vela's plug-in contract.

Usage (run with Debian's /usr/bin/python3 after scripts/generate-python.sh):

    algorithm_service.py [PORT] [--token TOKEN] [--slow-suggest-ms MS]

It serves `vela.v1.AlgorithmService` (DESIGN.md "Algorithm plug-in contract") and
`grpc.health.v1.Health` on 127.0.0.1:PORT (0, the default, picks a free port), then prints
`listening on 127.0.0.1:<port>`. The contract has no Ping RPC: a health Check is the ping
(`''` and `vela.v1.AlgorithmService` are SERVING, any other name is NOT_FOUND).

It hosts one algorithm, `RandomSearch` (alias `random`): a seeded random search over the
search space each call carries (INT, INT_EXP, FLOAT, FLOAT_EXP, CATEGORY and BOOL
hyperparameters, `condition` and `forbidden`), reading Vega's `policy: {num_sample, epochs}`.
The process keeps nothing between calls: everything it knows about a search is the state blob
it returns (JSON: its RNG state, how many suggestions the search made, the points seen and the
trials' outcomes), which the caller sends back with the observations since. With no state (a
cold start) it starts from the seed and rebuilds the same state from the history, which may
come in pages (`suggestion_count` 0 on all but the last). Suggesting does not change the state
it returns: a suggestion counts once the caller observes it (PENDING, carrying it), so asking
again before that gives the same suggestions, as the contract wants.

--token makes AlgorithmService calls without `authorization: Bearer TOKEN` UNAUTHENTICATED
(health stays open). --slow-suggest-ms makes every Suggest wait that long before answering,
to test the caller's deadline. Each RPC prints one JSON line on stdout (what came in, what
went out), for tests to read.
"""

import argparse
import json
import math
import os
import random
import signal
import sys
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "generated"))

try:
    import grpc
    from google.protobuf import json_format

    import health_pb2
    import health_pb2_grpc
    from vela.v1 import algorithm_service_pb2, algorithm_service_pb2_grpc, common_pb2, search_pb2, trial_pb2
except ImportError as error:  # The stubs are generated, not committed.
    print("algorithm_service: %s (run scripts/generate-python.sh)" % error, file=sys.stderr)
    sys.exit(2)

SERVICE_NAME = "vela.v1.AlgorithmService"
ALGORITHMS = ("RandomSearch", "random")
STATE_FORMAT = "vela-python-random-search/1"
TYPES = ("INT", "INT_EXP", "FLOAT", "FLOAT_EXP", "CATEGORY", "BOOL")
CONDITION_TYPES = ("EQUAL", "NOT_EQUAL", "IN")
SETTINGS_KEYS = ("policy", "objective_keys")
POLICY_KEYS = ("num_sample", "epochs")
# Draws before a duplicate (or forbidden) point is accepted anyway, for tiny spaces.
MAX_DRAWS = 100
FINAL_STATES = (trial_pb2.TRIAL_STATE_SUCCEEDED, trial_pb2.TRIAL_STATE_FAILED, trial_pb2.TRIAL_STATE_CANCELLED)

_print_lock = threading.Lock()


def log(entry):
    with _print_lock:
        print(json.dumps(entry, sort_keys=True), flush=True)


class Refused(Exception):
    """Settings or a search space the algorithm cannot run: INVALID_ARGUMENT naming `field`."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))


def show(value):
    return json.dumps(canonical(value), sort_keys=True)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def integer_of(value, field, minimum):
    if not is_number(value) or float(value) != int(value) or int(value) < minimum:
        raise Refused(field, "must be an integer >= %d, got %s" % (minimum, show(value)))
    return int(value)


# ---------------------------------------------------------------------------------------------
# Settings and search space, checked, every problem naming its field.


def parse_settings(algorithm, settings):
    if algorithm not in ALGORITHMS:
        raise Refused("algorithm", "unknown algorithm %s; this plug-in serves %s" % (show(algorithm), ", ".join(ALGORITHMS)))
    warnings = []
    for key in settings:
        if key not in SETTINGS_KEYS:
            raise Refused("settings.%s" % key, "unknown key; allowed: %s" % ", ".join(SETTINGS_KEYS))
    if "objective_keys" in settings:
        warnings.append("settings.objective_keys: ignored; random search does not read the objectives")
    policy = settings.get("policy")
    if not isinstance(policy, dict):
        raise Refused("settings.policy", "must be a mapping with num_sample, got %s" % show(policy))
    for key in policy:
        if key not in POLICY_KEYS:
            raise Refused("settings.policy.%s" % key, "unknown key; allowed: %s" % ", ".join(POLICY_KEYS))
    if "num_sample" not in policy:
        raise Refused("settings.policy.num_sample", "is required (how many trials to run)")
    effective = {"policy": {"num_sample": integer_of(policy["num_sample"], "settings.policy.num_sample", 1)}}
    if "epochs" in policy:
        effective["policy"]["epochs"] = integer_of(policy["epochs"], "settings.policy.epochs", 1)
    return effective, warnings


def parse_space(space):
    if space.get("modules") is not None:
        raise Refused("search_space.modules", "network search spaces are not supported by this plug-in; use hyperparameters")
    raw = space.get("hyperparameters")
    if not isinstance(raw, list) or not raw:
        raise Refused("search_space.hyperparameters", "must be a non-empty list, got %s" % show(raw))
    parameters = []
    keys = set()
    for i, entry in enumerate(raw):
        field = "search_space.hyperparameters[%d]" % i
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry["key"]:
            raise Refused("%s.key" % field, "must be a non-empty string")
        key, kind, bounds = entry["key"], entry.get("type"), entry.get("range")
        if kind not in TYPES:
            raise Refused("%s.type" % field, "%s is not supported by this plug-in; supported: %s" % (show(kind), ", ".join(TYPES)))
        if key in keys:
            raise Refused("%s.key" % field, "%s appears twice" % show(key))
        keys.add(key)
        if kind == "BOOL":
            bounds = [False, True]
        elif kind == "CATEGORY":
            if not isinstance(bounds, list) or not bounds:
                raise Refused("%s.range" % field, "must be a non-empty list of choices, got %s" % show(bounds))
        else:
            if not isinstance(bounds, list) or len(bounds) != 2 or not all(is_number(b) for b in bounds) or bounds[0] > bounds[1]:
                raise Refused("%s.range" % field, "must be [low, high] with low <= high, got %s" % show(bounds))
            if kind.endswith("_EXP") and bounds[0] <= 0:
                raise Refused("%s.range" % field, "must be positive for %s, got %s" % (kind, show(bounds)))
            if kind.startswith("INT"):
                bounds = [math.ceil(bounds[0]), math.floor(bounds[1])]
                if bounds[0] > bounds[1]:
                    raise Refused("%s.range" % field, "holds no integer")
        parameters.append({"key": key, "type": kind, "range": bounds})
    conditions = []
    for i, entry in enumerate(space.get("condition") or []):
        field = "search_space.condition[%d]" % i
        if not isinstance(entry, dict):
            raise Refused(field, "must be a mapping {key, child, parent, type, range}")
        for role in ("child", "parent"):
            if entry.get(role) not in keys:
                raise Refused("%s.%s" % (field, role), "%s is not a hyperparameter key" % show(entry.get(role)))
        if entry.get("type") not in CONDITION_TYPES:
            raise Refused("%s.type" % field, "must be one of %s, got %s" % (", ".join(CONDITION_TYPES), show(entry.get("type"))))
        if not isinstance(entry.get("range"), list) or not entry["range"]:
            raise Refused("%s.range" % field, "must be a non-empty list")
        conditions.append(entry)
    forbidden = space.get("forbidden") or []
    for i, entry in enumerate(forbidden):
        if not isinstance(entry, dict):
            raise Refused("search_space.forbidden[%d]" % i, "must be a mapping {key: value, ...}")
    return {"parameters": parameters, "conditions": conditions, "forbidden": forbidden}


def struct_to_dict(message):
    return json_format.MessageToDict(message)


def parse_request(request):
    settings, warnings = parse_settings(request.algorithm, struct_to_dict(request.settings))
    space = parse_space(struct_to_dict(request.search_space))
    if len(request.objectives) == 0:
        raise Refused("objectives", "at least one objective is required")
    return settings, warnings, space


# ---------------------------------------------------------------------------------------------
# Sampling.


def draw_value(rng, parameter):
    kind, bounds = parameter["type"], parameter["range"]
    if kind in ("CATEGORY", "BOOL"):
        return bounds[rng.randrange(len(bounds))]
    low, high = bounds
    if kind == "INT":
        return rng.randint(low, high)
    if kind == "FLOAT":
        return low + (high - low) * rng.random()
    value = math.exp(math.log(low) + (math.log(high) - math.log(low)) * rng.random())
    if kind == "INT_EXP":
        return min(high, max(low, int(round(value))))
    return min(high, max(low, value))


def holds(condition, value):
    if condition["type"] == "EQUAL":
        return value == condition["range"][0]
    if condition["type"] == "NOT_EQUAL":
        return value != condition["range"][0]
    return value in condition["range"]


def draw_point(rng, space):
    """Every parameter is drawn (so each point costs the same draws), then the inactive ones dropped."""
    values = {p["key"]: draw_value(rng, p) for p in space["parameters"]}
    active = {}

    def is_active(key, depth=0):
        if key not in active:
            if depth > len(values):
                raise Refused("search_space.condition", "forms a cycle at %s" % show(key))
            active[key] = all(is_active(c["parent"], depth + 1) and holds(c, values[c["parent"]]) for c in space["conditions"] if c["child"] == key)
        return active[key]

    return {key: value for key, value in values.items() if is_active(key)}


def canonical(value):
    # Struct numbers are doubles: 3 and 3.0 are the same value once it has crossed the wire.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def point_key(point):
    return json.dumps(canonical(point), sort_keys=True)


def forbidden(point, space):
    return any(all(k in point and point[k] == v for k, v in entry.items()) for entry in space["forbidden"])


def next_point(rng, space, seen):
    """The next point of the sequence: a fresh, allowed one if MAX_DRAWS draws find one."""
    point = None
    for _ in range(MAX_DRAWS):
        point = draw_point(rng, space)
        if point_key(point) not in seen and not forbidden(point, space):
            break
    return point


def set_path(target, dotted, value):
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def suggestion_of(point, index, settings):
    """Where the values land, as Vega puts them: `network.*` into the desc, the rest nested."""
    desc, hyperparameters = {}, {}
    for key, value in point.items():
        if key.startswith("network."):
            set_path(desc, key[len("network."):], value)
        else:
            set_path(hyperparameters, key, value)
    suggestion = search_pb2.Suggestion()
    suggestion.point.update(point)
    suggestion.hyperparameters.update(hyperparameters)
    if desc:
        suggestion.desc.update(desc)
    suggestion.info.update({"plugin": "python", "index": index})
    epochs = settings["policy"].get("epochs")
    if epochs:
        suggestion.budget_epochs = epochs
    return suggestion


# ---------------------------------------------------------------------------------------------
# The state blob.


def fresh_state(algorithm, seed):
    return {
        "format": STATE_FORMAT,
        "algorithm": algorithm,
        "seed": seed,
        "rng": rng_state(random.Random(seed)),
        "suggested": 0,
        "seen": [],
        "trials": {},
        "finished": 0,
        "best": None,
        "calls": 0,
        "cold_start_pages": 0,
        "mismatches": 0,
    }


def rng_state(rng):
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def rng_of(state):
    rng = random.Random()
    version, internal, gauss = state["rng"]
    rng.setstate((version, tuple(internal), gauss))
    return rng


def load_state(request):
    if not request.HasField("state"):
        return None
    which = request.state.WhichOneof("payload")
    if which == "artifact":
        raise Refused("state.artifact", "this plug-in keeps its state inline and never returns an artifact")
    if which is None or len(request.state.blob) == 0:
        return None
    try:
        state = json.loads(request.state.blob.decode("utf-8"))
    except ValueError as error:
        raise Refused("state.blob", "is not this plug-in's state (%s)" % error)
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise Refused("state.blob", "is not this plug-in's state (format %s)" % show(state.get("format") if isinstance(state, dict) else None))
    if state["seed"] != request.seed or state["algorithm"] != request.algorithm:
        raise Refused("state.blob", "belongs to %s with seed %s, not %s with seed %s" % (state["algorithm"], state["seed"], request.algorithm, request.seed))
    return state


def objective_value(observation, objectives):
    """The first objective's value, as a number to maximise."""
    wanted = objectives[0]
    for objective in observation.record.objectives:
        if objective.key == wanted.key:
            minimize = wanted.goal == common_pb2.OBJECTIVE_GOAL_MINIMIZE
            return objective.value, (-objective.value if minimize else objective.value)
    return None, None


def apply(state, observations, space, objectives):
    """Applies observations in order; a suggestion observed for the first time advances the RNG."""
    rng = rng_of(state)
    seen = set(state["seen"])
    for observation in observations:
        trial = state["trials"].get(observation.trial_id)
        if trial is None:
            if not observation.HasField("suggestion"):
                continue  # An outcome of a trial this algorithm never heard of: nothing to learn.
            point = json_format.MessageToDict(observation.suggestion.point)
            # The suggestion was drawn from this point of the sequence: draw it again, so a state
            # rebuilt from the history (a cold start) continues exactly where the search was.
            drawn = next_point(rng, space, seen)
            if point_key(drawn) != point_key(point):
                state["mismatches"] += 1
            seen.add(point_key(point))
            state["seen"].append(point_key(point))
            state["suggested"] += 1
            trial = {"done": False, "value": None, "attempt": observation.attempt}
            state["trials"][observation.trial_id] = trial
        stale = observation.attempt_state == trial_pb2.ATTEMPT_STATE_STALE
        if observation.final and not stale and observation.trial_state in FINAL_STATES and not trial["done"]:
            trial["done"] = True
            state["finished"] += 1
            if observation.trial_state == trial_pb2.TRIAL_STATE_SUCCEEDED:
                value, score = objective_value(observation, objectives)
                trial["value"] = value
                best = state["best"]
                if score is not None and (best is None or score > best["score"]):
                    state["best"] = {"trial_id": observation.trial_id, "value": value, "score": score}
    state["rng"] = rng_state(rng)


def complete(state, settings):
    return state["suggested"] >= settings["policy"]["num_sample"] and all(t["done"] for t in state["trials"].values())


# ---------------------------------------------------------------------------------------------
# The services.


class AlgorithmService(algorithm_service_pb2_grpc.AlgorithmServiceServicer):
    def __init__(self, token, slow_suggest_ms):
        self.token = token
        self.slow_suggest_ms = slow_suggest_ms

    def authorize(self, context):
        if not self.token:
            return
        metadata = dict(context.invocation_metadata())
        if metadata.get("authorization") != "Bearer " + self.token:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong 'authorization: Bearer <token>'")

    def ValidateSettings(self, request, context):
        self.authorize(context)
        try:
            settings, warnings, _ = parse_request(request)
        except Refused as refused:
            log({"rpc": "ValidateSettings", "refused": str(refused)})
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(refused))
        log({"rpc": "ValidateSettings", "algorithm": request.algorithm, "effective_settings": settings})
        response = algorithm_service_pb2.ValidateSettingsResponse(warnings=warnings)
        response.effective_settings.update(settings)
        return response

    def Suggest(self, request, context):
        self.authorize(context)
        started = time.monotonic()
        entry = {
            "rpc": "Suggest",
            "seed": request.seed,
            "state_in": request.HasField("state") and len(request.state.blob) > 0,
            "observed_seq_in": request.state.observed_seq if request.HasField("state") else 0,
            "observations": len(request.observations),
            "first_seq": request.observations[0].seq if request.observations else None,
            "last_seq": request.observations[-1].seq if request.observations else None,
            "suggestion_count_so_far": request.suggestion_count_so_far,
            "suggestion_count": request.suggestion_count,
        }
        if self.slow_suggest_ms > 0:
            # Waits, but gives up early once the caller has gone (its deadline passed).
            deadline = started + self.slow_suggest_ms / 1000.0
            while time.monotonic() < deadline and context.is_active():
                time.sleep(0.02)
            if not context.is_active():
                entry["cancelled_after_ms"] = round((time.monotonic() - started) * 1000)
                log(entry)
                return algorithm_service_pb2.AlgorithmServiceSuggestResponse()
        try:
            settings, _, space = parse_request(request)
            if request.suggestion_count < 0:
                raise Refused("suggestion_count", "must be >= 0, got %d" % request.suggestion_count)
            state = load_state(request)
            cold = state is None
            if cold:
                state = fresh_state(request.algorithm, request.seed)
            if cold and request.observations:
                state["cold_start_pages"] += 1
            apply(state, request.observations, space, list(request.objectives))
            state["calls"] += 1
        except Refused as refused:
            entry["refused"] = str(refused)
            log(entry)
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(refused))
        # Suggestions are drawn from a copy: they count once observed, so the state returned is
        # the state after the observations (the same question asked again gets the same answer).
        wanted = max(0, min(request.suggestion_count, settings["policy"]["num_sample"] - state["suggested"]))
        rng = rng_of(state)
        seen = set(state["seen"])
        suggestions = []
        for i in range(wanted):
            point = next_point(rng, space, seen)
            seen.add(point_key(point))
            suggestions.append(suggestion_of(point, state["suggested"] + i, settings))
        observed_seq = request.observations[-1].seq if request.observations else entry["observed_seq_in"]
        if observed_seq == 0 and request.observations:
            observed_seq = entry["observed_seq_in"] + len(request.observations)
        done = complete(state, settings)
        blob = json.dumps(state, sort_keys=True).encode("utf-8")
        entry.update({
            "cold_start": cold,
            "suggested": state["suggested"],
            "returned": len(suggestions),
            "is_completed": done,
            "observed_seq_out": observed_seq,
            "blob_bytes": len(blob),
        })
        log(entry)
        return algorithm_service_pb2.AlgorithmServiceSuggestResponse(
            suggestions=suggestions,
            state=algorithm_service_pb2.AlgorithmState(blob=blob, observed_seq=observed_seq),
            is_completed=done,
        )


class Health(health_pb2_grpc.HealthServicer):
    """grpc.health.v1 by hand (grpcio-health-checking is not a Debian dependency here)."""

    SERVED = ("", SERVICE_NAME)

    def __init__(self, stopping):
        self.stopping = stopping

    def Check(self, request, context):
        if request.service not in self.SERVED:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service %s" % show(request.service))
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    def Watch(self, request, context):
        if request.service not in self.SERVED:
            yield health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVICE_UNKNOWN)
        else:
            yield health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
        while context.is_active() and not self.stopping.wait(0.5):
            pass
        if self.stopping.is_set() and context.is_active():
            yield health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.NOT_SERVING)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="A Python search algorithm served through vela.v1.AlgorithmService.")
    parser.add_argument("port", nargs="?", type=int, default=0, help="the port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--token", default="", help="require 'authorization: Bearer <token>' on AlgorithmService calls")
    parser.add_argument("--slow-suggest-ms", type=int, default=0, help="wait this long in every Suggest (to test deadlines)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    stopping = threading.Event()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    algorithm_service_pb2_grpc.add_AlgorithmServiceServicer_to_server(AlgorithmService(args.token, args.slow_suggest_ms), server)
    health_pb2_grpc.add_HealthServicer_to_server(Health(stopping), server)
    port = server.add_insecure_port("127.0.0.1:%d" % args.port)
    if port == 0:
        print("algorithm_service: cannot bind 127.0.0.1:%d" % args.port, file=sys.stderr)
        return 1
    server.start()

    def stop(signum, frame):
        stopping.set()
        server.stop(0.5)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on 127.0.0.1:%d" % port, flush=True)
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
