package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// RuntimeOptionsPrompts is what `pulumi new` asks about a Python project: the toolchain (pip first, then poetry
// and uv, those installed first) when the template sets none, and for pip the virtualenv (default venv).
func (h *host) RuntimeOptionsPrompts(
	_ context.Context, req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	options := req.GetInfo().GetOptions().AsMap()
	text := func(value string) *pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue {
		return &pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{
			PromptType: pulumirpc.RuntimeOptionPrompt_STRING, StringValue: value, DisplayName: value,
		}
	}
	var prompts []*pulumirpc.RuntimeOptionPrompt
	chosen, set := options["toolchain"]
	if !set {
		pip := text("pip") // always there: it comes with Python
		prompts = append(prompts, &pulumirpc.RuntimeOptionPrompt{
			Key:         "toolchain",
			Description: "The toolchain to use for installing dependencies and running the program",
			PromptType:  pulumirpc.RuntimeOptionPrompt_STRING,
			Choices:     append([]*pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{pip}, plugin.MakeExecutablePromptChoices("poetry", "uv")...),
			Default:     pip,
		})
	}
	if _, hasVenv := options["virtualenv"]; set && chosen == "pip" && !hasVenv {
		venv := text("venv")
		prompts = append(prompts, &pulumirpc.RuntimeOptionPrompt{
			Key:         "virtualenv",
			Description: "The virtualenv to use",
			PromptType:  pulumirpc.RuntimeOptionPrompt_STRING,
			Choices:     []*pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{venv},
			Default:     venv,
		})
	}
	return &pulumirpc.RuntimeOptionsResponse{Prompts: prompts}, nil
}

// Template prepares a project `pulumi new` made for its toolchain: for uv and poetry, requirements.txt becomes a
// pyproject.toml.
func (h *host) Template(ctx context.Context, req *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	_, tc, err := resolve(req.Info, false)
	if err != nil {
		return nil, err
	}
	if err := tc.PrepareProject(ctx, req.ProjectName, req.Info.ProgramDirectory, false, nil, nil); err != nil {
		return nil, err
	}
	return &pulumirpc.TemplateResponse{}, nil
}
