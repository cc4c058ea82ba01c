//go:build tools

// Package tools lists what scripts/pulumi/install.sh builds with this module, so that `go mod tidy` keeps
// every requirement: the Kubernetes provider's main package (its sources come from the module cache, copied
// to a staging folder with the two files upstream's `go generate` writes) and the generator's one import.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
