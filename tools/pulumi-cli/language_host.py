"""A Python language host for the Pulumi engine built by scripts/install-pulumi.sh (test and quickstart tooling).

Pulumi's own host, `pulumi-language-python`, is a Go module the module proxy here refuses to serve (see
scripts/install-pulumi.sh), so the engine is given this one under that name. It speaks the engine's
LanguageRuntime protocol and does what Pulumi's host does for a program directory: each Run starts a fresh
interpreter that configures the Python SDK (monitor, engine, project, stack, config, dry run, parallelism) and
runs the program's `__main__.py` inside the root stack, so one run's module state never leaks into the next.
Nothing here installs dependencies or reads requirements.txt: the interpreter is the one the launcher chose.
GeneratePackage (`pulumi package gen-sdk --language python`) runs pulumi-python-codegen beside this file: Pulumi's
own Python code generator (tools/pulumi-cli/python-codegen).

    language_host.py [--tracing ADDR] [ENGINE_ADDRESS]         serve; prints the port on stdout
    language_host.py --run SETTINGS_JSON PROGRAM               (internal) run one program
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import traceback
from concurrent import futures

# Pulumi's hosts use exit code 32 for "the program failed and already told the user why".
REPORTED_FAILURE = 32


def run_program(settings_json: str, program: str) -> int:
    import pulumi
    import pulumi.runtime
    from pulumi.errors import RunError

    options = json.loads(settings_json)
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            project=options["project"],
            stack=options["stack"],
            monitor=options["monitor"],
            engine=options["engine"] or None,
            parallel=options["parallel"],
            dry_run=options["dry_run"],
            organization=options["organization"] or None,
            root_directory=options["root_directory"] or None,
        )
    )
    pulumi.runtime.set_all_config(options["config"], options["secret_keys"])
    os.chdir(options["pwd"])
    sys.argv = [program]
    sys.path.insert(0, os.path.dirname(os.path.abspath(program)) if os.path.isfile(program) else program)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_default_executor(futures.ThreadPoolExecutor(max_workers=max(options["parallel"], 1) * 4))
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
            settings = {
                "project": request.project,
                "stack": request.stack,
                "monitor": request.monitor_address,
                "engine": request.args[0] if request.args else engine_address,
                "parallel": request.parallel,
                "dry_run": request.dryRun,
                "organization": request.organization,
                "root_directory": root,
                "pwd": request.pwd or root,
                "config": dict(request.config),
                "secret_keys": list(request.configSecretKeys),
            }
            completed = subprocess.run(
                [sys.executable, "-u", os.path.abspath(__file__), "--run", json.dumps(settings), program],
                stdin=subprocess.DEVNULL,
                check=False,
            )
            if completed.returncode == 0:
                return language_pb2.RunResponse()
            if completed.returncode == REPORTED_FAILURE:
                return language_pb2.RunResponse(bail=True)
            return language_pb2.RunResponse(error=f"the Python program exited with code {completed.returncode}")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
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
        return run_program(argv[1], argv[2])
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
