package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// Link adds local SDKs to the program's requirements (`pulumi convert` and `pulumi package add` generate an SDK
// into the project and link it) and tells the user how to import each.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	opts, err := pythonOptions(req.Info, false)
	if err != nil {
		return nil, err
	}
	client, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	loader := schema.NewCachedLoader(client)

	paths := map[string]string{} // Python distribution -> the SDK's path
	var imports strings.Builder
	for _, dep := range req.Packages {
		if dep.Package.Name == "pulumi" {
			paths["pulumi"] = dep.Path
			continue
		}
		distribution, module, err := pythonNames(ctx, loader, dep.Package)
		if err != nil {
			return nil, err
		}
		paths[distribution] = dep.Path
		fmt.Fprintf(&imports, "  import %s as %s\n", distribution, module)
	}

	// uv and poetry projects get pyproject.toml entries; before `pulumi install` has converted requirements.txt
	// there is none, so the requirements file takes the entry as with pip.
	if opts.Toolchain != toolchain.Pip {
		if _, err := os.Stat(filepath.Join(req.Info.ProgramDirectory, "pyproject.toml")); os.IsNotExist(err) {
			if _, err := os.Stat(filepath.Join(req.Info.ProgramDirectory, "requirements.txt")); os.IsNotExist(err) {
				return nil, fmt.Errorf("%s has neither pyproject.toml nor requirements.txt to add the SDK to",
					req.Info.ProgramDirectory)
			}
			opts.Toolchain = toolchain.Pip
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.LinkPackages(ctx, paths); err != nil {
		return nil, fmt.Errorf("cannot add the SDKs to the program's dependencies: %w", err)
	}
	lead := "You can import the SDK in your Python code with:\n\n"
	if len(req.Packages) > 1 {
		lead = "You can import the SDKs in your Python code with:\n\n"
	}
	return &pulumirpc.LinkResponse{ImportInstructions: lead + imports.String()}, nil
}

// pythonNames are a package's Python distribution and module names: its schema's language.python.packageName for
// both, else pulumi_<name> and <name> (Pulumi's naming).
func pythonNames(
	ctx context.Context, loader schema.ReferenceLoader, dep *pulumirpc.PackageDependency,
) (string, string, error) {
	descriptor := &schema.PackageDescriptor{Name: dep.Name, DownloadURL: dep.Server}
	if v, err := semver.ParseTolerant(dep.Version); err == nil {
		descriptor.Version = &v
	} else {
		logging.V(5).Infof("package %s: version %q is not semver", dep.Name, dep.Version)
	}
	if p := dep.Parameterization; p != nil {
		descriptor.Parameterization = &schema.ParameterizationDescriptor{Name: p.Name, Value: p.Value}
		if v, err := semver.ParseTolerant(p.Version); err == nil {
			descriptor.Parameterization.Version = v
		}
	}
	ref, err := schema.LoadPackageReferenceV2(ctx, loader, descriptor)
	if err != nil {
		return "", "", err
	}
	pkg, err := ref.Definition()
	if err != nil {
		return "", "", err
	}
	if err := pkg.ImportLanguages(map[string]schema.Language{"python": python.Importer}); err != nil {
		return "", "", err
	}
	if info, ok := pkg.Language["python"].(python.PackageInfo); ok && info.PackageName != "" {
		return info.PackageName, info.PackageName, nil
	}
	return python.PyPack(ref.Namespace(), ref.Name()), strings.ReplaceAll(ref.Name(), "-", "_"), nil
}
