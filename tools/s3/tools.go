//go:build tools

// Package tools records the main package this module builds, so `go mod tidy`
// keeps its dependencies.
package tools

import _ "github.com/versity/versitygw/cmd/versitygw"
