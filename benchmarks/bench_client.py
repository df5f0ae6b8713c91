"""Micro-benchmark: DepotClient calls per second with the JSON codec vs the binary protobuf codec, over HTTP/1.1
and h2c, against a local Depot API it starts (`depot-local serve --db :memory:` on 127.0.0.1).

    python benchmarks/bench_client.py [--calls 400] [--rounds 5]

Rounds alternate the codecs so drift on a shared machine hits both alike; the figure is the median round.
The server is Python as well, so the ratio measures the whole call, not the codec alone: the codec-only line
shows what decoding an answer costs by itself.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from pulumi_depot_provider.client import codec
from pulumi_depot_provider.client.client import Codec, DepotClient
from pulumi_depot_provider.proto import pb

CODECS: tuple[Codec, ...] = ("json", "proto")
START_LINE = re.compile(r"^depot-local listening on (?P<url>http://\S+) org=")


@contextmanager
def local_server(token: str) -> Iterator[str]:
    command = shutil.which("depot-local")
    base = [command] if command else [sys.executable, "-m", "depot_local"]
    process = subprocess.Popen(
        [*base, "serve", "--port", "0", "--db", ":memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "DEPOT_LOCAL_TOKEN": token},  # never on the command line: `ps` shows that to everyone
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()  # the server prints this line once it listens
        match = START_LINE.match(line)
        if match is None:
            raise SystemExit(f"depot-local did not start (printed {line!r})")
        yield match["url"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def calls_per_second(call: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return calls / (time.perf_counter() - started)


def bench_transport(url: str, token: str, http2: bool, calls: int, rounds: int) -> None:
    clients = {name: DepotClient(url, token, codec=name, http2=http2) for name in CODECS}
    try:
        project = clients["json"].create_project(
            "bench", "us-east-1", cache_policy=pb.CachePolicy(keep_gb=50, keep_days=14), hardware=pb.HARDWARE_8X16
        )
        get = {name: partial(client.get_project, project.project_id) for name, client in clients.items()}
        results: dict[Codec, list[float]] = {name: [] for name in CODECS}
        for call in get.values():  # warm up: connections, caches
            calls_per_second(call, calls // 10 or 1)
        for _ in range(rounds):
            for name in CODECS:
                results[name].append(calls_per_second(get[name], calls))
        json_rate, proto_rate = (statistics.median(results[name]) for name in CODECS)
        label = "h2c     " if http2 else "HTTP/1.1"
        print(
            f"{label} GetProject: json {json_rate:8.0f} calls/s   proto {proto_rate:8.0f} calls/s   "
            f"proto/json {proto_rate / json_rate:.2f}x"
        )
    finally:
        for client in clients.values():
            client.close()


def bench_codec_only(iterations: int) -> None:
    project = pb.Project(project_id="abcdefghij", organization_id="orgorgorg1", name="bench", region_id="us-east-1")
    project.created_at.FromSeconds(1_700_000_000)
    project.cache_policy.keep_gb, project.cache_policy.keep_days = 50, 14
    answer = pb.GetProjectResponse(project=project)
    rates: dict[Codec, float] = {}
    for name in CODECS:
        decode = partial(codec.decode, name, codec.encode(name, answer), pb.GetProjectResponse)
        rates[name] = calls_per_second(decode, iterations)
    print(
        f"codec only (decode GetProjectResponse): json {rates['json']:8.0f}/s   proto {rates['proto']:8.0f}/s   "
        f"proto/json {rates['proto'] / rates['json']:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=400, help="calls per codec per round (default 400)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the median is shown (default 5)")
    options = parser.parse_args()
    if options.calls < 1 or options.rounds < 1:
        parser.error("--calls and --rounds must be at least 1")
    token = "bench_" + secrets.token_hex(16)
    with local_server(token) as url:
        print(f"local Depot API at {url}; {options.rounds} rounds x {options.calls} calls per codec")
        for http2 in (False, True):
            bench_transport(url, token, http2, options.calls, options.rounds)
    bench_codec_only(options.calls * 50)


if __name__ == "__main__":
    main()
