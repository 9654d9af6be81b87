// compose-check validates Compose files the way `docker compose config` does, without a
// Docker engine or the Compose CLI plugin.
//
// It links github.com/compose-spec/compose-go/v2 (the loader Docker Compose itself uses; the
// version is pinned in go.mod to the one Docker Compose v5.7.0 ships) and runs the same
// pipeline as `docker compose config`: .env / --env-file loading, interpolation (including
// ${VAR:?error} checks), validation against the Compose Specification JSON schema, binding to
// the typed model, normalisation, path resolution, the consistency checks (unknown services
// in depends_on, undefined networks/volumes/secrets, dependency cycles, ...), service
// environment resolution and the container-name check. On success it prints the resolved
// model (YAML or JSON) like `docker compose config`; on failure it prints the error and
// exits 1.
//
// Not covered (they need an engine or a registry): image digest resolution, remote (git/OCI)
// includes, and Docker Compose's warnings about Swarm-only attributes.
//
// With --dockerfiles it also checks the Dockerfiles the project builds (see dockerfile.go).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("compose-check", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	var (
		files, envFiles, profiles stringList
		projectDir, projectName   string
		format, output            string
		quiet, showVersion        bool
		dockerfiles               bool
	)
	fs.Var(&files, "f", "Compose file (repeatable; default: compose.yaml/docker-compose.yml in the project directory)")
	fs.Var(&files, "file", "same as -f")
	fs.Var(&envFiles, "env-file", "environment file for interpolation (repeatable; default: .env in the project directory)")
	fs.Var(&profiles, "profile", "profile to enable (repeatable)")
	fs.StringVar(&projectDir, "project-directory", "", "project directory (default: the first compose file's directory)")
	fs.StringVar(&projectName, "p", "", "project name")
	fs.StringVar(&projectName, "project-name", "", "same as -p")
	fs.StringVar(&format, "format", "yaml", "output format: yaml | json")
	fs.StringVar(&output, "o", "", "write the resolved model to this file instead of stdout")
	fs.BoolVar(&quiet, "q", false, "only validate, print nothing on success")
	fs.BoolVar(&quiet, "quiet", false, "same as -q")
	fs.BoolVar(&dockerfiles, "dockerfiles", false, "also check the Dockerfiles of services with a build section (BuildKit parser and linter, COPY sources vs .dockerignore)")
	fs.BoolVar(&showVersion, "version", false, "print the compose-go and BuildKit versions and exit")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: compose-check [-f FILE]... [--env-file FILE]... [--project-directory DIR] [-p NAME] [--profile P]... [--format yaml|json] [-q] [--dockerfiles]")
		fmt.Fprintln(os.Stderr, "Parses, interpolates and validates Compose files like `docker compose config`, without a Docker engine.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "compose-check: unexpected arguments: %v\n", fs.Args())
		return 2
	}
	if showVersion {
		fmt.Println("compose-check, compose-go", moduleVersion("github.com/compose-spec/compose-go/v2"),
			"buildkit", moduleVersion("github.com/moby/buildkit"))
		return 0
	}
	if format != "yaml" && format != "json" {
		fmt.Fprintf(os.Stderr, "compose-check: unsupported format %q\n", format)
		return 2
	}

	project, err := load(files, envFiles, profiles, projectDir, projectName)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if dockerfiles {
		if problems := checkDockerfiles(project); len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(os.Stderr, p)
			}
			return 1
		}
	}
	content, err := marshal(project, format)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if quiet {
		return 0
	}
	if output != "" {
		if err := os.WriteFile(output, content, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	_, _ = os.Stdout.Write(content)
	return 0
}

// load mirrors `docker compose config` (docker/compose v5.7.0: cmd/compose/config.go,
// cmd/compose/compose.go toProjectOptions, internal/projectloader/loader.go).
func load(files, envFiles, profiles []string, projectDir, projectName string) (*types.Project, error) {
	opts := []cli.ProjectOptionsFn{
		// `config` command options
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithDefaultProfiles(profiles...),
		cli.WithDiscardEnvFile,
		// project options
		cli.WithWorkingDirectory(projectDir),
		cli.WithOsEnv,
	}
	if _, ok := os.LookupEnv("PWD"); !ok {
		if pwd, err := os.Getwd(); err == nil {
			opts = append(opts, cli.WithEnv([]string{"PWD=" + pwd}))
		}
	}
	opts = append(opts,
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(profiles...),
		cli.WithName(projectName),
	)
	options, err := cli.NewProjectOptions(files, opts...)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	project, err := options.LoadProject(ctx)
	if err != nil {
		return nil, err
	}
	if project.Name == "" {
		return nil, errors.New("project name can't be empty. Use the -p option to set a valid name")
	}
	if project, err = project.WithServicesEnabled(); err != nil {
		return nil, err
	}
	if project, err = project.WithSelectedServices(nil); err != nil {
		return nil, err
	}
	project = project.WithoutUnnecessaryResources()
	if project, err = project.WithServicesEnvironmentResolved(true); err != nil {
		return nil, err
	}
	if err := project.CheckContainerNameUnicity(); err != nil {
		return nil, err
	}
	return project, nil
}

func marshal(project *types.Project, format string) ([]byte, error) {
	var (
		content []byte
		err     error
	)
	if format == "json" {
		content, err = project.MarshalJSON()
	} else {
		content, err = project.MarshalYAML()
	}
	if err != nil {
		return nil, err
	}
	// As `docker compose config`: the output is a valid Compose file, so literal dollars are
	// escaped again.
	return bytes.ReplaceAll(content, []byte{'$'}, []byte{'$', '$'}), nil
}

func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				return dep.Version
			}
		}
	}
	return "unknown"
}
