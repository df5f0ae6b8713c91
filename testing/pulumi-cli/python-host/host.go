package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// host serves pulumirpc.LanguageRuntime. Methods it does not define (Pack) answer Unimplemented.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	exec    string // Pulumi's exec script
	engine  string // the engine's address: from the command line, or from Handshake
	tracing string
	cancel  context.Context // done once the engine calls Cancel
	stop    context.CancelFunc
}

func newHost(exec, engine, tracing string) *host {
	cancel, stop := context.WithCancel(context.Background())
	return &host{exec: exec, engine: engine, tracing: tracing, cancel: cancel, stop: stop}
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engine = req.EngineAddress
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	if err := rpcutil.Healthcheck(ctx, h.engine, 5*time.Minute, stop); err != nil {
		return nil, fmt.Errorf("cannot watch the engine's health: %w", err)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.stop()
	return &emptypb.Empty{}, nil
}

// pythonOptions reads Pulumi.yaml's runtime options (virtualenv, toolchain, typechecker). A plugin (not a policy
// pack) with pip and no virtualenv gets `venv`: Pulumi runs plugins only in a virtualenv of their own.
func pythonOptions(info *pulumirpc.ProgramInfo, plugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	raw := (*structpb.Struct)(nil)
	if info != nil {
		raw = info.Options
	}
	values := raw.AsMap()
	text := func(key string) (string, error) {
		value, ok := values[key]
		if !ok {
			return "", nil
		}
		s, ok := value.(string)
		if !ok {
			return "", fmt.Errorf("the runtime option %s in Pulumi.yaml must be a string, not %v", key, value)
		}
		return s, nil
	}
	var err error
	if opts.Virtualenv, err = text("virtualenv"); err != nil {
		return opts, err
	}
	tc, err := text("toolchain")
	if err != nil {
		return opts, err
	}
	switch tc {
	case "":
	case "pip":
		opts.Toolchain = toolchain.Pip
	case "uv":
		opts.Toolchain = toolchain.Uv
	case "poetry":
		opts.Toolchain = toolchain.Poetry
	default:
		return opts, fmt.Errorf("the runtime option toolchain in Pulumi.yaml is %q: use pip, uv or poetry", tc)
	}
	checker, err := text("typechecker")
	if err != nil {
		return opts, err
	}
	switch checker {
	case "":
	case "mypy":
		opts.Typechecker = toolchain.TypeCheckerMypy
	case "pyright":
		opts.Typechecker = toolchain.TypeCheckerPyright
	default:
		return opts, fmt.Errorf("the runtime option typechecker in Pulumi.yaml is %q: use mypy or pyright", checker)
	}
	if plugin && opts.Virtualenv == "" && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

func resolve(info *pulumirpc.ProgramInfo, plugin bool) (toolchain.PythonOptions, toolchain.Toolchain, error) {
	if info == nil {
		return toolchain.PythonOptions{}, nil, errors.New("the engine sent no program info")
	}
	opts, err := pythonOptions(info, plugin)
	if err != nil {
		return opts, nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	return opts, tc, err
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	var err error
	if req.GetInfo() != nil {
		if opts, err = pythonOptions(req.Info, false); err != nil {
			return nil, err
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	about, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: about.PythonExecutable,
		Version:    about.PythonVersion.String(),
		Metadata: map[string]string{
			"toolchain":        toolchain.Name(opts.Toolchain),
			"toolchainVersion": about.ToolchainVersion.String(),
			"typechecker":      toolchain.TypeCheckerName(opts.Typechecker),
		},
	}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	_, tc, err := resolve(req.Info, false)
	if err != nil {
		return nil, err
	}
	listed, err := tc.ListPackages(ctx, req.TransitiveDependencies)
	if err != nil {
		return nil, fmt.Errorf("cannot list the program's Python packages: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(listed))
	for _, dep := range listed {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: dep.Name, Version: dep.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// InstallDependencies is `pulumi install` (and `pulumi new`): the toolchain creates the virtualenv and installs
// requirements.txt or pyproject.toml into it; a buildable plugin package is installed itself too.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	_, tc, err := resolve(req.Info, req.IsPlugin)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.IsTerminal)
	if err != nil {
		return err
	}
	defer closer.Close()
	ctx, dir := server.Context(), req.Info.ProgramDirectory
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	if req.IsPlugin {
		buildable, err := toolchain.IsBuildablePackage(dir)
		if err != nil {
			return fmt.Errorf("cannot tell whether the plugin in %s is a Python package: %w", dir, err)
		}
		if buildable {
			if err := tc.EnsureVenv(ctx, dir, req.UseLanguageVersionTools, true, stdout, stderr); err != nil {
				return fmt.Errorf("cannot create the plugin's virtualenv: %w", err)
			}
			install, err := tc.ModuleCommand(ctx, "pip", "install", dir)
			if err != nil {
				return err
			}
			install.Stdout, install.Stderr = stdout, stderr
			if err := install.Run(); err != nil {
				return fmt.Errorf("pip install of the plugin package %s failed: %w", dir, err)
			}
		}
	}
	if err := tc.InstallDependencies(ctx, dir, req.UseLanguageVersionTools, true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}
