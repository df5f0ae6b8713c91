package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// The exit code of a program that failed and has already told the user why (Pulumi's exec script uses it).
const reportedFailure = 32

// Run runs the program through Pulumi's exec script in the toolchain's interpreter. The settings are the exec
// script's flags; the config, secrets among them, goes in PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS only: a
// command line is readable by every user of the machine.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if h.engine == "" {
		return nil, errors.New("the engine's address is unknown: call Handshake before Run")
	}
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "this language host cannot attach a debugger (debugpy)"}, nil
	}
	opts, tc, err := resolve(req.Info, false)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	if err := typecheck(ctx, tc, opts); err != nil {
		return nil, err
	}

	var config []byte
	if req.GetConfig() != nil { // an empty config is no variable, as in Pulumi's host (the SDK reads "null" badly)
		if config, err = json.Marshal(req.GetConfig()); err != nil {
			return nil, fmt.Errorf("cannot serialise the stack's config: %w", err)
		}
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("cannot serialise the config's secret keys: %w", err)
	}

	// Stopped by the engine's Cancel or the end of this call: SIGINT first, as a user's Ctrl-C.
	runCtx, stop := context.WithCancel(h.cancel)
	defer stop()
	context.AfterFunc(ctx, stop)
	cmd, err := tc.Command(runCtx, append([]string{h.exec}, h.execArgs(req)...)...)
	if err != nil {
		return nil, err
	}
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	if config != nil {
		cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(config))
	}
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG_SECRET_KEYS="+string(secrets))
	// The program's spans join this run's trace.
	spanCtx, span := cmdutil.StartSpan(ctx, otel.Tracer("pulumi-language-python"), "execPython")
	defer span.End()
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(spanCtx, carrier)
	if parent := carrier.Get("traceparent"); parent != "" {
		cmd.Env = append(cmd.Env, "TRACEPARENT="+parent)
	}

	err = cmd.Run()
	var exited *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exited) && exited.ExitCode() == reportedFailure:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exited) && exited.ExitCode() > 0:
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("program exited with non-zero exit code: %d", exited.ExitCode()),
		}, nil
	case exited != nil:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited unexpectedly: %v", err)}, nil
	default:
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("could not run the Python program with %s: %v", h.exec, err),
		}, nil
	}
}

// execArgs are the exec script's flags (only those with a value), the entry point, then the program's arguments.
func (h *host) execArgs(req *pulumirpc.RunRequest) []string {
	flags := [][2]string{
		{"monitor", req.GetMonitorAddress()},
		{"engine", h.engine},
		{"project", req.GetProject()},
		{"root_directory", req.GetInfo().GetRootDirectory()},
		{"stack", req.GetStack()},
		{"pwd", req.GetPwd()},
		{"dry_run", strconv.FormatBool(req.GetDryRun())},
		{"parallel", strconv.Itoa(int(req.GetParallel()))},
		{"tracing", h.tracing},
		{"organization", req.GetOrganization()},
	}
	var args []string
	for _, flag := range flags {
		if flag[1] != "" {
			args = append(args, "--"+flag[0], flag[1])
		}
	}
	args = append(args, req.GetInfo().GetEntryPoint())
	return append(args, req.GetArgs()...)
}

// typecheck runs the `typechecker` runtime option's checker (mypy or pyright) over the program before it runs.
func typecheck(ctx context.Context, tc toolchain.Toolchain, opts toolchain.PythonOptions) error {
	var name string
	args := []string{}
	switch opts.Typechecker {
	case toolchain.TypeCheckerMypy:
		name = "mypy"
		venv, err := tc.VirtualEnvPath(ctx)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(opts.ProgramDir, venv); err == nil {
			args = append(args, "--exclude", rel)
		}
	case toolchain.TypeCheckerPyright:
		name = "pyright"
	default:
		return nil
	}
	cmd, err := tc.ModuleCommand(ctx, name, append(args, opts.ProgramDir)...)
	if err != nil {
		return err
	}
	var output bytes.Buffer
	cmd.Dir = opts.ProgramDir
	cmd.Stdout = io.MultiWriter(os.Stdout, &output)
	cmd.Stderr = io.MultiWriter(os.Stderr, &output)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the typechecker %s failed (the runtime option typechecker; is %s installed in the "+
			"program's environment?): %w\n%s", name, name, err, output.String())
	}
	return nil
}
