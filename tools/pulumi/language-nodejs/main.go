// Command pulumi-language-nodejs is modelplane's own Node.js language host for
// the Pulumi engine.
//
// Upstream's host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which the
// Go module proxy reachable here does not serve. A language host is a small
// gRPC server: the engine starts it, reads the port it prints, and asks it to
// run the program. Running the program is done by the Node.js SDK itself
// (`@pulumi/pulumi/cmd/run`, resolved from the program's own node_modules), so
// this host only has to start that script with the flags and environment the
// SDK documents, and report the exit status back to the engine.
//
// Implemented: Handshake, GetPluginInfo, GetRequiredPlugins,
// GetRequiredPackages (scans node_modules for packages that declare
// `"pulumi": {"resource": true}`), Run. Everything else (pulumi new, install,
// convert, policy packs, plugin components) answers Unimplemented.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// userActionableExitCode is the exit code @pulumi/pulumi/cmd/run uses after it
// has already reported the error to the engine (see its
// nodeJSProcessExitedAfterLoggingUserActionableMessage).
const userActionableExitCode = 32

func main() {
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func serve(argv []string) error {
	fs := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	tracing := fs.String("tracing", "", "Zipkin-compatible tracing endpoint, passed on to the program")
	// Flags the engine may pass to every plugin; accepted and ignored.
	fs.Bool("logtostderr", false, "ignored")
	fs.Bool("logflow", false, "ignored")
	fs.Int("v", 0, "ignored")
	fs.String("root", "", "ignored (the engine sends the root directory with each request)")
	fs.String("binary", "", "unsupported: set by the engine only for prebuilt binaries")
	if err := fs.Parse(argv); err != nil {
		return err
	}
	engineAddress := ""
	if fs.NArg() > 0 {
		engineAddress = fs.Arg(fs.NArg() - 1)
	}

	host := &languageHost{engineAddress: engineAddress, tracing: *tracing}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("could not start the language host gRPC server: %w", err)
	}
	// The engine reads exactly one line from stdout: the port.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil && !rpcutil.IsBenignCloseErr(err) {
		return err
	}
	return nil
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *languageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := programDirectory(req.GetInfo(), req.GetPwd())
	pkgs, err := resourcePackages(dir)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range pkgs {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

func (h *languageHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := resourcePackages(programDirectory(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// programDirectory is where the program's package.json and node_modules live.
func programDirectory(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if fallback != "" {
		return fallback
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// packageJSON holds the fields of a package.json that matter to the engine.
type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// resourcePackages finds the provider plugins a program needs: every package
// reachable from the program's node_modules (walking up parent directories, as
// Node's resolver does) whose package.json says `"pulumi": {"resource": true}`.
func resourcePackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	seen := map[string]*pulumirpc.PackageDependency{}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if err := scanNodeModules(filepath.Join(d, "node_modules"), seen); err != nil {
			return nil, err
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*pulumirpc.PackageDependency, 0, len(names))
	for _, n := range names {
		out = append(out, seen[n])
	}
	return out, nil
}

func scanNodeModules(nm string, seen map[string]*pulumirpc.PackageDependency) error {
	entries, err := os.ReadDir(nm)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(nm, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				readResourcePackage(filepath.Join(nm, name, s.Name()), seen)
			}
			continue
		}
		readResourcePackage(filepath.Join(nm, name), seen)
	}
	return nil
}

func readResourcePackage(dir string, seen map[string]*pulumirpc.PackageDependency) {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return
	}
	var pj packageJSON
	if json.Unmarshal(b, &pj) != nil || pj.Pulumi == nil || !pj.Pulumi.Resource {
		return
	}
	name := pj.Pulumi.Name
	if name == "" {
		// "@pulumi/kubernetes" -> "kubernetes"
		name = pj.Name[strings.LastIndex(pj.Name, "/")+1:]
	}
	ver := pj.Pulumi.Version
	if ver == "" {
		ver = pj.Version
	}
	if ver != "" && !strings.HasPrefix(ver, "v") {
		ver = "v" + ver
	}
	if _, dup := seen[name]; dup {
		return // the nearest node_modules wins, as in Node's resolver
	}
	seen[name] = &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: ver, Server: pj.Pulumi.Server}
}

// Run starts `node <@pulumi/pulumi/cmd/run> <flags> <entry point> <args>` in the
// program directory and waits for it.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find `node` on PATH: " + err.Error()}, nil
	}
	dir := programDirectory(req.GetInfo(), req.GetPwd())
	runScript, err := resolveRunScript(ctx, node, dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	opts := map[string]any{}
	if req.GetInfo().GetOptions() != nil {
		opts = req.GetInfo().GetOptions().AsMap()
	}

	args := []string{}
	if nodeargs, ok := opts["nodeargs"].(string); ok && nodeargs != "" {
		args = append(args, strings.Fields(nodeargs)...)
	}
	h.mu.Lock()
	engine, tracing := h.engineAddress, h.tracing
	h.mu.Unlock()
	args = append(args, runScript, "--monitor="+req.GetMonitorAddress())
	if engine != "" {
		args = append(args, "--engine="+engine)
	}
	args = append(args,
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+dir,
	)
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root-directory="+root)
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization="+org)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	if tracing != "" {
		args = append(args, "--tracing="+tracing)
	}
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// The SDK parses both variables with Object.keys: send {} and [], never null.
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	// Pulumi.yaml `runtime.options.typescript` defaults to true, as upstream.
	typescript := true
	if v, ok := opts["typescript"].(bool); ok {
		typescript = v
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescript))
	if tsconfig, ok := opts["tsconfig"].(string); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == userActionableExitCode:
		// The program already reported its error through the engine.
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
		}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", node, err)}, nil
	}
}

// resolveRunScript asks Node where the program's own copy of @pulumi/pulumi
// keeps its run script, so the program runs with the SDK version it installed.
func resolveRunScript(ctx context.Context, node, dir string) (string, error) {
	const script = `process.stdout.write(require.resolve("@pulumi/pulumi/cmd/run", {paths: [process.argv[1]]}))`
	out, err := exec.CommandContext(ctx, node, "-e", script, dir).Output()
	if err != nil {
		var exitErr *exec.ExitError
		msg := err.Error()
		if errors.As(err, &exitErr) {
			msg = strings.TrimSpace(string(exitErr.Stderr))
		}
		return "", status.Errorf(codes.FailedPrecondition,
			"could not find @pulumi/pulumi from %s (run `npm install` there first): %s", dir, msg)
	}
	return strings.TrimSpace(string(out)), nil
}
