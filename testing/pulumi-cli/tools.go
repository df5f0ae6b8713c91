//go:build tools

// Package tools pins the Pulumi CLI that scripts/install-pulumi.sh builds: `go build` of a dependency's main
// package needs the dependency in this module's go.mod, and Pulumi's own go.mod files carry `replace`
// directives that `go install module@version` refuses.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
