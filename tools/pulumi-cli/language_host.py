"""A Python language host for the Pulumi engine built by scripts/install-pulumi.sh (test and quickstart tooling).

Pulumi's own host, `pulumi-language-python`, is a Go module the module proxy here refuses to serve (see
scripts/install-pulumi.sh), so the engine is given this one under that name. It speaks the engine's
LanguageRuntime protocol and does what Pulumi's host does for a program directory: each Run starts a fresh
interpreter that configures the Python SDK (monitor, engine, project, stack, config, dry run, parallelism) and
runs the program's `__main__.py` inside the root stack, so one run's module state never leaks into the next.
As Pulumi's host does, it gives that interpreter the settings as the flags of Pulumi's exec script
(pulumi-language-python-exec) and the config, secrets included, in the environment (PULUMI_CONFIG,
PULUMI_CONFIG_SECRET_KEYS), never on a command line. Nothing here installs dependencies or reads requirements.txt:
the interpreter is the one the launcher chose.
RunPlugin runs a Python plugin directory, such as a CrossGuard policy pack (`pulumi preview --policy-pack DIR`),
as Pulumi's host does: `python -u DIR ARGS...` in the virtualenv its PulumiPolicy.yaml / PulumiPlugin.yaml names
(`virtualenv`, default `venv` beside it), streaming its output and exit code back to the engine.
GeneratePackage (`pulumi package gen-sdk --language python`) runs pulumi-python-codegen beside this file: Pulumi's
own Python code generator (tools/pulumi-cli/python-codegen).

    language_host.py [--tracing ADDR] [ENGINE_ADDRESS]         serve; prints the port on stdout
    language_host.py --run --monitor ADDR ... PROGRAM          (internal) run one program
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import queue
import runpy
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from concurrent import futures
from typing import IO, Any

# Pulumi's hosts use exit code 32 for "the program failed and already told the user why".
REPORTED_FAILURE = 32


def parse_run_flags(argv: list[str]) -> argparse.Namespace:
    """The flags Pulumi's exec script takes (names and meaning); nothing secret is among them."""
    parser = argparse.ArgumentParser(prog="language_host.py --run")
    for flag in ("project", "stack", "monitor", "engine", "organization", "root_directory", "pwd", "dry_run"):
        parser.add_argument(f"--{flag}", default="")
    parser.add_argument("--parallel", type=int, default=0)
    parser.add_argument("program")
    return parser.parse_args(argv)


def run_program(argv: list[str]) -> int:
    import pulumi
    import pulumi.runtime
    from pulumi.errors import RunError

    args = parse_run_flags(argv)
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            project=args.project,
            stack=args.stack,
            monitor=args.monitor,
            engine=args.engine or None,
            parallel=args.parallel,
            dry_run=args.dry_run == "true",
            organization=args.organization or None,
            root_directory=args.root_directory or None,
        )
    )
    # Where Pulumi's exec script reads them: PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS.
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    program = args.program
    os.chdir(args.pwd)
    sys.argv = [program]
    sys.path.insert(0, os.path.dirname(os.path.abspath(program)) if os.path.isfile(program) else program)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_default_executor(futures.ThreadPoolExecutor(max_workers=max(args.parallel, 1) * 4))
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # unobserved futures of a failed program are expected
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))
    except RunError as error:
        pulumi.log.error(str(error))
        return REPORTED_FAILURE
    except Exception:
        pulumi.log.error(f"Program failed with an unhandled exception:\n{traceback.format_exc()}")
        return REPORTED_FAILURE
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


class PluginError(Exception):
    """A plugin directory that cannot be run; the message says why and what to do."""


def plugin_interpreter(root: str, options: dict[str, object]) -> str:
    """The Python of a plugin's virtualenv: its `virtualenv` runtime option (absolute, or relative to the plugin's
    directory), `venv` when not set, as Pulumi's host does for plugins (it never runs them in an ambient Python)."""
    if options.get("toolchain", "pip") != "pip":
        raise PluginError(
            f"the runtime option toolchain: {options['toolchain']} is not supported by this host (pip only)"
        )
    virtualenv = str(options.get("virtualenv") or "venv")
    path = os.path.join(root, virtualenv)
    python = os.path.join(path, "bin", "python")
    if not os.access(python, os.X_OK):
        raise PluginError(
            f"the plugin's virtualenv {path!r} has no bin/python: create it (python3 -m venv {virtualenv}) and install "
            f"the plugin's requirements, or set the runtime option virtualenv to one that has them"
        )
    return python


def plugin_command(request: Any) -> tuple[list[str], dict[str, str]]:
    """`python -u DIR ARGS...` for a RunPluginRequest and its environment: the engine's, with the virtualenv's."""
    from google.protobuf import json_format

    info = request.info
    root = info.root_directory or info.program_directory
    if not os.path.isfile(os.path.join(info.program_directory, "__main__.py")):
        raise PluginError(f"the plugin directory {info.program_directory!r} has no __main__.py")
    python = plugin_interpreter(root, json_format.MessageToDict(info.options))
    env = dict(entry.split("=", 1) for entry in request.env if "=" in entry) if request.env else dict(os.environ)
    venv = os.path.dirname(os.path.dirname(python))
    env.update(
        VIRTUAL_ENV=venv,
        PATH=os.pathsep.join([os.path.join(venv, "bin"), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",  # a plugin announces its port on stdout, which is a pipe here
    )
    env.pop("PYTHONHOME", None)
    return [python, "-u", info.program_directory, *request.args], env


def stream_plugin(command: list[str], env: dict[str, str], cwd: str, context: Any) -> Iterator[Any]:
    """Runs a plugin and yields RunPluginResponses: its stdout and stderr as they come, then its exit code.
    The engine ends a plugin by cancelling the call: the process is killed then."""
    from pulumi.runtime.proto import language_pb2

    process = subprocess.Popen(
        command, cwd=cwd or None, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    context.add_callback(process.kill)
    chunks: queue.Queue[tuple[str, bytes]] = queue.Queue()

    def pump(name: str, pipe: IO[bytes]) -> None:
        while data := os.read(pipe.fileno(), 65536):
            chunks.put((name, data))
        chunks.put((name, b""))

    assert process.stdout is not None and process.stderr is not None
    for name, pipe in (("stdout", process.stdout), ("stderr", process.stderr)):
        threading.Thread(target=pump, args=(name, pipe), daemon=True).start()
    open_pipes = 2
    while open_pipes:
        name, data = chunks.get()
        if not data:
            open_pipes -= 1
        else:
            yield language_pb2.RunPluginResponse(**{name: data})
    code = process.wait()
    if code != 0:
        yield language_pb2.RunPluginResponse(exitcode=code if code > 0 else 128 - code)


def serve(engine_address: str) -> None:
    import grpc
    from pulumi.runtime.proto import language_pb2, plugin_pb2
    from pulumi.runtime.proto.language_pb2_grpc import (
        LanguageRuntimeServicer,
        add_LanguageRuntimeServicer_to_server,
    )

    class LanguageHost(LanguageRuntimeServicer):
        def GetPluginInfo(self, request, context):  # type: ignore[no-untyped-def]
            from pulumi._version import _VERSION

            return plugin_pb2.PluginInfo(version=_VERSION)

        def GetRequiredPlugins(self, request, context):  # type: ignore[no-untyped-def]
            return language_pb2.GetRequiredPluginsResponse()

        def GetRequiredPackages(self, request, context):  # type: ignore[no-untyped-def]
            return language_pb2.GetRequiredPackagesResponse()

        def About(self, request, context):  # type: ignore[no-untyped-def]
            version = ".".join(map(str, sys.version_info[:3]))
            return language_pb2.AboutResponse(executable=sys.executable, version=version)

        def GeneratePackage(self, request, context):  # type: ignore[no-untyped-def]
            # `pulumi package gen-sdk --language python`: Pulumi's own Python code generator, built by
            # scripts/install-pulumi.sh beside this file (Pulumi's host links the same Go package in).
            codegen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pulumi-python-codegen")
            if request.extra_files or request.local_dependencies:
                context.abort(grpc.StatusCode.UNIMPLEMENTED, "gen-sdk: overlays and local dependencies are unsupported")
            with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as spec:
                spec.write(request.schema)
                spec.flush()
                completed = subprocess.run(
                    [codegen, spec.name, request.directory, request.loader_target],
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if completed.returncode != 0:
                context.abort(grpc.StatusCode.INTERNAL, completed.stderr.strip() or f"{codegen} failed")
            return language_pb2.GeneratePackageResponse()

        def Run(self, request, context):  # type: ignore[no-untyped-def]
            info = request.info
            root = info.root_directory or request.pwd
            entry = info.entry_point or request.program or "."
            program = os.path.normpath(os.path.join(info.program_directory or root, entry))
            flags = {
                "project": request.project,
                "stack": request.stack,
                "monitor": request.monitor_address,
                "engine": request.args[0] if request.args else engine_address,
                "parallel": str(request.parallel),
                "dry_run": "true" if request.dryRun else "false",
                "organization": request.organization,
                "root_directory": root,
                "pwd": request.pwd or root,
            }
            # The config (depot:token among it) goes in the environment, as Pulumi's host passes it: a command line
            # is readable by every user of the machine (ps, /proc/PID/cmdline).
            env = dict(os.environ)
            env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
            env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
            argv = [f"--{name}={value}" for name, value in flags.items()]
            completed = subprocess.run(
                [sys.executable, "-u", os.path.abspath(__file__), "--run", *argv, program],
                stdin=subprocess.DEVNULL,
                env=env,
                check=False,
            )
            if completed.returncode == 0:
                return language_pb2.RunResponse()
            if completed.returncode == REPORTED_FAILURE:
                return language_pb2.RunResponse(bail=True)
            return language_pb2.RunResponse(error=f"the Python program exited with code {completed.returncode}")

        def RunPlugin(self, request, context):  # type: ignore[no-untyped-def]
            try:
                command, env = plugin_command(request)
            except PluginError as error:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
            yield from stream_plugin(command, env, request.pwd, context)

    # RunPlugin holds a worker for as long as its plugin runs (a policy pack: the whole deployment).
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    add_LanguageRuntimeServicer_to_server(LanguageHost(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    # The engine stops its plugins with SIGINT once it is done with them: that is a normal end, not an error.
    signal.signal(signal.SIGINT, lambda *_: server.stop(grace=None))
    signal.signal(signal.SIGTERM, lambda *_: server.stop(grace=None))
    server.wait_for_termination()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--run"]:
        return run_program(argv[1:])
    positional = []
    skip = False
    for argument in argv:  # the engine may pass -tracing/-root/... flags before the engine address
        if skip:
            skip = False
        elif argument.startswith("-"):
            skip = "=" not in argument and argument.lstrip("-") in {"tracing", "root", "use-executor"}
        else:
            positional.append(argument)
    serve(positional[0] if positional else "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
