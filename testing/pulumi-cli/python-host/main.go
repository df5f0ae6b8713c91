// Command pulumi-language-python is the Python language host the tests' `pulumi` runs: Pulumi's own host
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is refused by the module proxy here, so
// this one is assembled from the pieces of it that are served. Our code is the glue; the work is Pulumi's:
//   - programs run through Pulumi's exec script (pulumi-language-python-exec, installed beside this binary);
//   - interpreters, virtualenvs, pip/uv/poetry and package listing come from sdk/v3/python/toolchain;
//   - policy packs are fronted by sdk/v3's PolicyProxy;
//   - code generation is pkg/v3/codegen/python with pcl and schema.
//
// docs/testing.md lists what still differs from Pulumi's released host.
//
//	pulumi-language-python [-tracing ADDR] [-use-executor PATH] [ENGINE_ADDRESS]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// The exec script's name: Pulumi installs it beside the host.
const execScript = "pulumi-language-python-exec"

func main() {
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint")
	executor := flag.String("use-executor", "", "run programs with this script instead of "+execScript)
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	logging.InitLogging(false, 0, false)
	// OpenTelemetry when the CLI gives an endpoint, else OpenTracing: one tracer, not two sets of spans.
	if endpoint := os.Getenv("PULUMI_OTEL_EXPORTER_OTLP_ENDPOINT"); endpoint != "" {
		if err := cmdutil.InitOtelTracing("pulumi-language-python", endpoint); err != nil {
			logging.V(3).Infof("cannot start OpenTelemetry tracing: %v", err)
		}
		defer cmdutil.CloseOtelTracing()
	} else {
		cmdutil.InitTracing("pulumi-language-python", "pulumi-language-python", *tracing)
	}

	exec := *executor
	if exec == "" {
		self, err := os.Executable()
		if err != nil {
			cmdutil.Exit(fmt.Errorf("cannot locate this executable: %w", err))
		}
		exec = filepath.Join(filepath.Dir(self), execScript)
		if _, err := os.Stat(exec); err != nil {
			cmdutil.Exit(fmt.Errorf("missing %s beside the host (scripts/install-pulumi.sh installs it): %w",
				execScript, err))
		}
	}

	host := newHost(exec, flag.Arg(0), *tracing)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	done := make(chan bool)
	go func() {
		<-ctx.Done()
		stop()
		close(done)
	}()
	if host.engine != "" {
		// Ends this process when the engine goes away without stopping it.
		if err := rpcutil.Healthcheck(ctx, host.engine, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("cannot watch the engine's health: %w", err))
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: done,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("cannot serve the language host: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host stopped serving: %w", err))
	}
}
