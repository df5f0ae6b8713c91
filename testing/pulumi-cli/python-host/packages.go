package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// Packages on PyPI whose names start with "pulumi-" but that have no plugin.
var noPlugin = map[string]bool{"pulumi-policy": true, "pulumi-esc-sdk": true}

// Prints {distribution: path of the pulumi-plugin.json in its top-level package, or ""} for each argument.
const findPluginJSON = `
import importlib.metadata as md, importlib.util as iu, json, os, sys
found = {}
for name in sys.argv[1:]:
    path = ""
    try:
        module = md.distribution(name).metadata["Name"].replace("-", "_")
        spec = iu.find_spec(module)
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidate = os.path.join(str(location), "pulumi-plugin.json")
            if os.path.isfile(candidate):
                path = candidate
                break
    except Exception:
        pass
    found[name] = path
print(json.dumps(found))
`

// GetRequiredPackages follows Pulumi's rule: every installed distribution that ships a pulumi-plugin.json (or,
// without one, is named pulumi-*) needs the resource plugin it names, unless the file says `"resource": false`.
// The engine installs those plugins before the deployment.
func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := h.requiredPackages(ctx, req.Info)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

// GetRequiredPlugins answers older engines with the same rule (Pulumi's host now leaves it unimplemented).
func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := h.requiredPackages(ctx, req.Info)
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(deps))
	for _, dep := range deps {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: dep.Name, Kind: dep.Kind, Version: dep.Version, Server: dep.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// requiredPackages first creates the program's virtualenv if it has none, its output shown by the engine.
func (h *host) requiredPackages(
	ctx context.Context, info *pulumirpc.ProgramInfo,
) ([]*pulumirpc.PackageDependency, error) {
	_, tc, err := resolve(info, false)
	if err != nil {
		return nil, err
	}
	stdout, stderr, conn, err := h.engineWriters(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := tc.EnsureVenv(ctx, info.ProgramDirectory, false, true, stdout, stderr); err != nil {
		return nil, err
	}
	warnOldPython(ctx, tc)
	installed, err := tc.ListPackages(ctx, true)
	if err != nil {
		return nil, err
	}
	manifests := pluginJSONPaths(ctx, tc, installed)
	var deps []*pulumirpc.PackageDependency
	for _, pkg := range installed {
		if noPlugin[pkg.Name] {
			continue
		}
		var manifest *plugin.PulumiPluginJSON
		if path := manifests[pkg.Name]; path != "" {
			if manifest, err = plugin.LoadPulumiPluginJSON(path); err != nil {
				return nil, fmt.Errorf("the package %s has an unreadable %s: %w", pkg.Name, path, err)
			}
		}
		if manifest == nil && !strings.HasPrefix(pkg.Name, "pulumi-") {
			continue
		}
		if dep := dependency(pkg, manifest); dep != nil {
			deps = append(deps, dep)
		}
	}
	return deps, nil
}

// pluginJSONPaths maps each distribution to its pulumi-plugin.json; a failure to look means none are known.
func pluginJSONPaths(ctx context.Context, tc toolchain.Toolchain, pkgs []plugin.DependencyInfo) map[string]string {
	found := map[string]string{}
	if len(pkgs) == 0 {
		return found
	}
	args := []string{"-c", findPluginJSON}
	for _, pkg := range pkgs {
		args = append(args, pkg.Name)
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return found
	}
	out, err := cmd.Output()
	if err == nil {
		err = json.Unmarshal(out, &found)
	}
	if err != nil {
		logging.V(5).Infof("cannot find the packages' pulumi-plugin.json files: %v", err)
	}
	return found
}

// dependency is the plugin a package needs: its manifest's name, version and server, else the package's name
// without "pulumi-" and its version as semver. nil when it has none, or its version has no semver equivalent.
func dependency(pkg plugin.DependencyInfo, manifest *plugin.PulumiPluginJSON) *pulumirpc.PackageDependency {
	dep := &pulumirpc.PackageDependency{Kind: "resource"}
	if manifest != nil {
		if !manifest.Resource {
			return nil
		}
		dep.Name, dep.Version, dep.Server = manifest.Name, manifest.Version, manifest.Server
		dep.Parameterization = parameterization(manifest.Parameterization)
		dep.Extension = parameterization(manifest.ExtensionParameterization)
	}
	if dep.Name == "" {
		dep.Name = strings.TrimPrefix(pkg.Name, "pulumi-")
	}
	if dep.Version == "" {
		version, ok := semverOf(pkg.Version)
		if !ok {
			logging.V(5).Infof("package %s: version %q has no plugin version", pkg.Name, pkg.Version)
			return nil
		}
		dep.Version = version
	}
	if !strings.HasPrefix(dep.Version, "v") {
		dep.Version = "v" + dep.Version
	}
	return dep
}

func parameterization(p *plugin.PulumiParameterizationJSON) *pulumirpc.PackageParameterization {
	if p == nil {
		return nil
	}
	return &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
}

// A PEP 440 version without epoch or local part: release, pre-release, post-release, dev release.
var pep440 = regexp.MustCompile(`^(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?$`)

// semverOf converts a package version to its plugin's: 1.2 -> 1.2.0, 1.2.3a4 -> 1.2.3-alpha.4,
// 1.2.3rc1 -> 1.2.3-rc.1, 1.2.3.post4 -> 1.2.3+post4, 1.2.3.post4.dev5 -> 1.2.3+post4dev5.
func semverOf(version string) (string, bool) {
	m := pep440.FindStringSubmatch(version)
	if m == nil {
		return "", false
	}
	segments := strings.Split(m[1], ".")
	for len(segments) < 3 {
		segments = append(segments, "0")
	}
	out := strings.Join(segments, ".")
	if m[2] != "" {
		out += "-" + map[string]string{"a": "alpha", "b": "beta", "rc": "rc"}[m[2]] + "." + m[3]
	}
	var build string
	if m[4] != "" {
		build += "post" + m[4]
	}
	if m[5] != "" {
		build += "dev" + m[5]
	}
	if build != "" {
		out += "+" + build
	}
	return out, true
}

// The oldest Python Pulumi supports.
var minimumPython = semver.MustParse("3.7.0")

// warnOldPython tells the user (the host's stderr is shown by the engine) when the interpreter is too old.
func warnOldPython(ctx context.Context, tc toolchain.Toolchain) {
	cmd, err := tc.Command(ctx, "--version")
	if err != nil {
		return
	}
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "Cannot tell the Python version (python --version failed): %v\n", err)
		return
	}
	version, err := toolchain.ParsePythonVersion(strings.TrimSpace(string(out)))
	if err == nil && version.LT(minimumPython) {
		fmt.Fprintf(os.Stderr, "Pulumi does not support Python %s: use %s or later\n", version, minimumPython)
	}
}
