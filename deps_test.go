// The layers' rules, checked against what the packages import and link
// (in the manner of tailscale's deps tests): protocol/ imports nothing of
// ours; device programs and display packages link nothing of controller/;
// the centre's controller links neither the city's store (pgx) nor its
// NATS client; display packages import no device code (firmware/).
// ARCHITECTURE.md draws the same layers.
package sothutu_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/internal/servertest"
)

const module = "github.com/sothutu/sothutu"

// listed is one package as go list describes it.
type listed struct {
	ImportPath   string
	Imports      []string // direct, non-test
	Deps         []string // transitive, non-test
	TestImports  []string
	XTestImports []string
}

// listPackages runs go list over the whole module, once.
func listPackages(t *testing.T) map[string]listed {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		servertest.Missing(t, "go not found in PATH: install Go 1.26 and put its bin/ in PATH")
	}
	cmd := exec.Command(goTool, "list", "-e", "-json=ImportPath,Imports,Deps,TestImports,XTestImports", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	packages := map[string]listed{}
	decoder := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := decoder.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list's output: %v", err)
		}
		packages[p.ImportPath] = p
	}
	return packages
}

// under says whether path is the package of ours named by folder or below it.
func under(path, folder string) bool {
	full := module + "/" + folder
	return path == full || strings.HasPrefix(path, full+"/")
}

// ours is whether path is a package of this module.
func ours(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// rule is one layer's limit: what the packages it covers must not import.
type rule struct {
	name string
	// covers says which of our packages the rule is about.
	covers func(path string) bool
	// imports picks what of a package is checked: its direct imports
	// and its tests', or everything it links; verb says which.
	imports func(listed) []string
	verb    string
	// forbidden says whether one of those may not be there, and why.
	forbidden func(path string) (why string, bad bool)
}

func direct(p listed) []string { return slices.Concat(p.Imports, p.TestImports, p.XTestImports) }

func linked(p listed) []string { return p.Deps }

var rules = []rule{
	{
		name:    "protocol is the wire's single source of truth",
		covers:  func(path string) bool { return under(path, "protocol") },
		imports: direct,
		verb:    "imports",
		forbidden: func(path string) (string, bool) {
			return "protocol/ imports nothing of ours: every other part imports it", ours(path) && !under(path, "protocol")
		},
	},
	{
		name: "devices and displays are not the controller",
		covers: func(path string) bool {
			return under(path, "firmware") || under(path, "display")
		},
		imports: linked,
		verb:    "links",
		forbidden: func(path string) (string, bool) {
			return "a device program or display package runs on a Pi and talks to the controller only over MQTT", under(path, "controller")
		},
	},
	{
		name:    "the centre's controller links nothing of the city's",
		covers:  func(path string) bool { return path == module+"/controller/cmd/controller" },
		imports: linked,
		verb:    "links",
		forbidden: func(path string) (string, bool) {
			switch {
			case strings.HasPrefix(path, "github.com/jackc/pgx"):
				return "PostgreSQL is the city's store, not a centre's", true
			case strings.HasPrefix(path, "github.com/nats-io/"):
				return "NATS is the city's cluster, not a centre's", true
			case under(path, "controller/city"):
				return "the city's ingest, store and view run at the city", true
			}
			return "", false
		},
	},
	{
		name:    "display packages are libraries under the device programs",
		covers:  func(path string) bool { return under(path, "display") },
		imports: direct,
		verb:    "imports",
		forbidden: func(path string) (string, bool) {
			return "display drivers and the board's page are libraries the device programs in firmware/ import, never the other way", under(path, "firmware")
		},
	},
}

func TestLayers(t *testing.T) {
	packages := listPackages(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			covered := 0
			for _, path := range slices.Sorted(maps.Keys(packages)) {
				p := packages[path]
				if !r.covers(path) {
					continue
				}
				covered++
				told := map[string]bool{} // one error per reason, not per package of a module
				for _, imported := range r.imports(p) {
					if why, bad := r.forbidden(imported); bad && !told[why] {
						told[why] = true
						t.Errorf("%s %s %s: %s", strings.TrimPrefix(p.ImportPath, module+"/"), r.verb, imported, why)
					}
				}
			}
			// A rule that covers nothing guards nothing: a folder was renamed.
			if covered == 0 {
				t.Errorf("no package of ours is covered: update the rule to the folders' new names")
			}
		})
	}
}

// The rules see what a program links: the city's program does link pgx
// and NATS, so a rule above that passes is not blind.
func TestLayersSeeLinks(t *testing.T) {
	packages := listPackages(t)
	city, ok := packages[module+"/controller/cmd/city"]
	if !ok {
		t.Fatal("controller/cmd/city not listed: update this test to the city program's new folder")
	}
	for _, want := range []string{"github.com/jackc/pgx/v5", "github.com/nats-io/nats.go", module + "/controller/city"} {
		if !slices.Contains(city.Deps, want) {
			t.Errorf("controller/cmd/city does not link %s", want)
		}
	}
}
