//go:build tools

// Package tools pins Pulumi's YAML language host that scripts/install-pulumi-yaml.sh builds. It is a module of its
// own, not part of testing/pulumi-cli: pulumi-yaml v1.25.0 requires pulumi/pkg/v3 v3.206.0 and does not compile
// against the v3.274.1 the CLI is built from (the host talks to that engine over gRPC, so they need not match).
package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
)
