// Command pulumi-python-codegen generates a Pulumi package's Python SDK with Pulumi's own Python code generator
// (github.com/pulumi/pulumi/pkg/v3/codegen/python, the code Pulumi's pulumi-language-python runs for
// `pulumi package gen-sdk --language python`). language_host.py, which stands in for that language host, calls it
// from its GeneratePackage; scripts/install-pulumi.sh builds it beside `pulumi`.
//
//	pulumi-python-codegen SCHEMA_JSON OUT_DIR LOADER_ADDRESS
//
// LOADER_ADDRESS is the engine's schema loader (GeneratePackageRequest.loader_target), which resolves references
// to other packages as in Pulumi's host.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The tool name Pulumi's host writes into every generated file's header.
const tool = "pulumi-language-python"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-python-codegen: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: pulumi-python-codegen SCHEMA_JSON OUT_DIR LOADER_ADDRESS")
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	loader, err := schema.NewLoaderClient(args[2])
	if err != nil {
		return err
	}
	defer loader.Close()
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	files, err := python.GeneratePackage(tool, pkg, nil, loader)
	if err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(args[1], name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
