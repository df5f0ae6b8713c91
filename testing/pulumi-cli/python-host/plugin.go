package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// RunPlugin runs a Python plugin for the engine: a policy pack (`pulumi preview --policy-pack DIR`) as
// `python -u -m pulumi.policy ARGS DIR` in the pack's directory, behind sdk/v3's PolicyProxy, which hands the pack
// the stack's settings in its environment; any other plugin as `python DIR ARGS` (its __main__.py), or, for a
// buildable package without one, `python -m pulumi.run.plugin NAME ARGS`. Output streams back to the engine.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetAttachDebugger() {
		return errors.New("this language host cannot attach a debugger (debugpy)")
	}
	ctx := server.Context()
	policy := req.Kind == string(apitype.AnalyzerPlugin)
	opts, tc, err := resolve(req.Info, !policy)
	if err != nil {
		return err
	}

	var cmd *exec.Cmd
	switch {
	case policy:
		args := append([]string{"-u", "-m", "pulumi.policy"}, req.Args...)
		cmd, err = tc.Command(ctx, append(args, req.Info.ProgramDirectory)...)
	default:
		cmd, err = pluginCommand(ctx, req, tc, opts)
	}
	if err != nil {
		return err
	}
	cmd.Dir = req.Pwd
	if policy {
		cmd.Dir = req.Info.ProgramDirectory // where packs have always run
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	var proxy *sdk.PolicyProxy
	if policy {
		if proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout); err != nil {
			return fmt.Errorf("cannot start the policy pack proxy: %w", err)
		}
		if cmd.Env, err = policyEnv(ctx, cmd.Env, proxy); err != nil {
			return err
		}
	}
	cmd.Env = append(cmd.Env, req.Env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start the Python plugin in %s: %w", req.Info.ProgramDirectory, err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	var exited *exec.ExitError
	if errors.As(err, &exited) {
		return server.Send(&pulumirpc.RunPluginResponse{
			Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exited.ExitCode())},
		})
	} else if err != nil {
		return fmt.Errorf("the Python plugin in %s failed: %w", req.Info.ProgramDirectory, err)
	}
	return closer.Close()
}

// pluginCommand runs a plugin's __main__.py, or a buildable package through pulumi.run.plugin when the SDK has it.
func pluginCommand(
	ctx context.Context, req *pulumirpc.RunPluginRequest, tc toolchain.Toolchain, opts toolchain.PythonOptions,
) (*exec.Cmd, error) {
	direct := append([]string{req.Info.ProgramDirectory}, req.Args...)
	if _, err := os.Stat(filepath.Join(opts.Root, "__main__.py")); err == nil {
		return tc.Command(ctx, direct...)
	}
	probe, err := tc.Command(ctx, "-c", "import pulumi.run.plugin")
	if err != nil {
		return nil, err
	}
	if out, err := probe.CombinedOutput(); err != nil && strings.Contains(string(out), "ModuleNotFoundError") {
		return tc.Command(ctx, direct...)
	}
	buildable, err := toolchain.IsBuildablePackage(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("cannot tell whether the plugin in %s is a Python package: %w", opts.Root, err)
	}
	if !buildable {
		return nil, fmt.Errorf("the plugin in %s has neither a __main__.py nor a buildable pyproject.toml", opts.Root)
	}
	project, err := toolchain.LoadPyproject(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("cannot read the plugin's pyproject.toml: %w", err)
	}
	return tc.ModuleCommand(ctx, "pulumi.run.plugin", append([]string{project.Project.Name}, req.Args...)...)
}

// policyEnv waits for the engine's stack configuration, which the proxy receives, and passes it to the pack
// as Pulumi's host does: PULUMI_ORGANIZATION, PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN, PULUMI_CONFIG.
func policyEnv(ctx context.Context, env []string, proxy *sdk.PolicyProxy) ([]string, error) {
	config, err := proxy.AwaitConfiguration(ctx)
	if err != nil || config == nil {
		return env, err
	}
	add := func(key, value string) {
		if value != "" {
			env = append(env, key+"="+value)
		}
	}
	add("PULUMI_ORGANIZATION", config.Organization)
	add("PULUMI_PROJECT", config.Project)
	add("PULUMI_STACK", config.Stack)
	add("PULUMI_DRY_RUN", strconv.FormatBool(config.DryRun))
	if config.Config != nil {
		raw, err := json.Marshal(config.Config)
		if err != nil {
			return env, fmt.Errorf("cannot serialise the stack's config for the policy pack: %w", err)
		}
		add("PULUMI_CONFIG", string(raw))
	}
	return env, nil
}
