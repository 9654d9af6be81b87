package main

// Static checks of the Dockerfiles a Compose project builds, for machines without a Docker
// engine (`--dockerfiles`). They use BuildKit's own Dockerfile parser and linter (pinned in
// go.mod), so what fails here fails in `docker build`:
//
//   - syntax: unknown instructions, bad flags, malformed heredocs, empty continuation lines;
//   - the linter rules BuildKit applies while parsing (what `docker build --check` reports
//     for them, e.g. FromAsCasing, JSONArgsRecommended, DuplicateStageName);
//   - FROM images using build arguments that are not declared before the first FROM;
//   - the service's `build.target` is a stage of the Dockerfile;
//   - COPY/ADD sources from the build context exist and are not excluded by .dockerignore
//     (or <Dockerfile>.dockerignore), with the same pattern matcher BuildKit uses.
//
// Not checked: anything that needs an engine or a registry (base images exist, RUN steps
// succeed).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

var argReference = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// checkDockerfiles checks the Dockerfile of every service with a local build context and
// returns one message per problem (empty: all good). Dockerfiles shared by several services
// are checked once per distinct (context, dockerfile, target).
func checkDockerfiles(project *types.Project) []string {
	var problems []string
	seen := map[string]bool{}
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		build := project.Services[name].Build
		if build == nil {
			continue
		}
		if strings.Contains(build.Context, "://") || strings.HasPrefix(build.Context, "git@") {
			continue // remote context: nothing local to check
		}
		key := build.Context + "\x00" + build.Dockerfile + "\x00" + build.DockerfileInline + "\x00" + build.Target
		if seen[key] {
			continue
		}
		seen[key] = true
		for _, p := range checkBuild(build) {
			problems = append(problems, fmt.Sprintf("services.%s.build: %s", name, p))
		}
	}
	return problems
}

func checkBuild(build *types.BuildConfig) []string {
	contextDir := build.Context
	var (
		content []byte
		label   string
		path    string
	)
	if build.DockerfileInline != "" {
		content, label = []byte(build.DockerfileInline), "dockerfile_inline"
	} else {
		dockerfile := build.Dockerfile
		if dockerfile == "" {
			dockerfile = "Dockerfile"
		}
		path = dockerfile
		if !filepath.IsAbs(path) {
			path = filepath.Join(contextDir, dockerfile)
		}
		label = path
		var err error
		if content, err = os.ReadFile(path); err != nil {
			return []string{fmt.Sprintf("cannot read Dockerfile: %v", err)}
		}
	}

	var problems []string
	report := func(line int, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if line > 0 {
			problems = append(problems, fmt.Sprintf("%s:%d: %s", label, line, msg))
		} else {
			problems = append(problems, fmt.Sprintf("%s: %s", label, msg))
		}
	}

	result, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		report(0, "%v", err)
		return problems
	}
	for _, w := range result.Warnings {
		report(rangeLine(w.Location), "%s", w.Short)
	}

	lint := linter.New(&linter.Config{
		Warn: func(rule, _ string, _ string, msg string, location []parser.Range) {
			line := 0
			if len(location) > 0 {
				line = location[0].Start.Line
			}
			report(line, "%s: %s", rule, msg)
		},
	})
	stages, metaArgs, err := instructions.Parse(result.AST, lint)
	if err != nil {
		report(0, "%v", err)
		return problems
	}
	if len(stages) == 0 {
		report(0, "no FROM instruction")
		return problems
	}

	declared := map[string]bool{}
	for _, arg := range metaArgs {
		for _, kv := range arg.Args {
			declared[kv.Key] = true
		}
	}
	stageNames := map[string]bool{}
	for _, stage := range stages {
		for _, m := range argReference.FindAllStringSubmatch(stage.BaseName, -1) {
			if !declared[m[1]] && !isPredefinedPlatformArg(m[1]) {
				report(rangeLine(firstRange(stage.Location)), "FROM uses build argument %s, which is not declared (ARG before the first FROM)", m[1])
			}
		}
		if stage.Name != "" {
			stageNames[strings.ToLower(stage.Name)] = true
		}
	}
	if build.Target != "" && !stageNames[strings.ToLower(build.Target)] {
		report(0, "target %q is not a stage of the Dockerfile", build.Target)
	}

	if contextDir != "" {
		problems = append(problems, checkContextSources(stages, contextDir, path, label)...)
	}
	return problems
}

// checkContextSources verifies that every COPY/ADD source taken from the build context exists
// and survives .dockerignore.
func checkContextSources(stages []instructions.Stage, contextDir, dockerfilePath, label string) []string {
	var problems []string
	matcher, err := loadIgnore(contextDir, dockerfilePath)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", label, err)}
	}
	for _, stage := range stages {
		for _, cmd := range stage.Commands {
			var (
				sources []string
				line    int
			)
			switch c := cmd.(type) {
			case *instructions.CopyCommand:
				if c.From != "" {
					continue // from another stage or image
				}
				sources, line = c.SourcePaths, rangeLine(firstRange(c.Location()))
			case *instructions.AddCommand:
				sources, line = c.SourcePaths, rangeLine(firstRange(c.Location()))
			default:
				continue
			}
			for _, src := range sources {
				if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") || strings.Contains(src, "$") {
					continue // URL, git source or build-argument expansion
				}
				if msg := checkSource(contextDir, src, matcher); msg != "" {
					problems = append(problems, fmt.Sprintf("%s:%d: %s", label, line, msg))
				}
			}
		}
	}
	return problems
}

func checkSource(contextDir, src string, matcher *patternmatcher.PatternMatcher) string {
	rel := filepath.Clean(strings.TrimPrefix(filepath.ToSlash(src), "/"))
	if rel == "." {
		return ""
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Sprintf("source %q is outside the build context", src)
	}
	matches, err := filepath.Glob(filepath.Join(contextDir, rel))
	if err != nil {
		return fmt.Sprintf("source %q: %v", src, err)
	}
	if len(matches) == 0 {
		return fmt.Sprintf("source %q does not exist in the build context %s", src, contextDir)
	}
	for _, m := range matches {
		r, err := filepath.Rel(contextDir, m)
		if err != nil {
			return fmt.Sprintf("source %q: %v", src, err)
		}
		excluded := false
		if matcher != nil {
			if excluded, err = matcher.MatchesOrParentMatches(filepath.ToSlash(r)); err != nil {
				return fmt.Sprintf("source %q: %v", src, err)
			}
		}
		if !excluded {
			return ""
		}
	}
	return fmt.Sprintf("source %q is excluded by .dockerignore", src)
}

// loadIgnore reads <Dockerfile>.dockerignore if present, else <context>/.dockerignore, as
// BuildKit does.
func loadIgnore(contextDir, dockerfilePath string) (*patternmatcher.PatternMatcher, error) {
	candidates := []string{filepath.Join(contextDir, ".dockerignore")}
	if dockerfilePath != "" {
		candidates = append([]string{dockerfilePath + ".dockerignore"}, candidates...)
	}
	for _, file := range candidates {
		f, err := os.Open(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		patterns, err := ignorefile.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return patternmatcher.New(patterns)
	}
	return nil, nil
}

func isPredefinedPlatformArg(name string) bool {
	switch name {
	case "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
		"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE":
		return true
	}
	return false
}

func firstRange(r []parser.Range) *parser.Range {
	if len(r) == 0 {
		return nil
	}
	return &r[0]
}

func rangeLine(r *parser.Range) int {
	if r == nil {
		return 0
	}
	return r.Start.Line
}
