// Command pulumi-sdk-codegen generates a Pulumi package's TypeScript or Go SDK with Pulumi's own code generators
// (github.com/pulumi/pulumi/pkg/v3/codegen/nodejs and codegen/go, the code Pulumi's pulumi-language-nodejs and
// pulumi-language-go hosts run for `pulumi package gen-sdk`; those hosts are not served to this machine).
// scripts/gen_sdks.py runs it.
//
//	pulumi-sdk-codegen nodejs|go SCHEMA_JSON OUT_DIR
//
// The schema must reference no other package: the loader resolves none (it needs no engine or plugin).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The tool names Pulumi's hosts write into every generated file's header.
var tools = map[string]string{"nodejs": "pulumi-language-nodejs", "go": "pulumi-language-go"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-sdk-codegen: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 || tools[args[0]] == "" {
		return fmt.Errorf("usage: pulumi-sdk-codegen nodejs|go SCHEMA_JSON OUT_DIR")
	}
	language, schemaPath, out := args[0], args[1], args[2]
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	loader := noReferences{}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	var files map[string][]byte
	if language == "nodejs" {
		files, err = nodejs.GeneratePackage(tools[language], pkg, nil, nil, false, loader)
	} else {
		files, err = gogen.GeneratePackage(tools[language], pkg, nil)
	}
	if err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noReferences is a schema loader for a package that references no other: any lookup is an error.
type noReferences struct{}

func (noReferences) fail(name string) error {
	return fmt.Errorf("the schema references package %q: pulumi-sdk-codegen resolves no other package", name)
}

func (l noReferences) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.fail(name)
}

func (l noReferences) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.fail(d.Name)
}

func (l noReferences) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.fail(name)
}

func (l noReferences) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, l.fail(d.Name)
}
