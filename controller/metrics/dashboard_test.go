package metrics_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sothutu/sothutu/controller/metrics"
)

const dashboard = "../../deploy/grafana/sothutu-centre.json"

var (
	metricName = regexp.MustCompile(`sothutu_[a-z0-9_]+`)
	descName   = regexp.MustCompile(`fqName: "([^"]+)"`)
)

// exported returns the names of every metric the collector describes.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	ch := make(chan *prometheus.Desc)
	go func() {
		metrics.New(nil, nil).Describe(ch)
		close(ch)
	}()
	names := map[string]bool{}
	for d := range ch {
		m := descName.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("no name in %s", d)
		}
		names[m[1]] = true
	}
	return names
}

// The example dashboard is a Grafana JSON model that asks only for metrics
// the collector exports, through its data source and centre variables: it
// cannot drift from the code unnoticed.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title         string `json:"title"`
		UID           string `json:"uid"`
		SchemaVersion int    `json:"schemaVersion"`
		Templating    struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID         int    `json:"id"`
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboard, err)
	}
	if d.Title == "" || d.UID == "" || d.SchemaVersion < 36 {
		t.Errorf("title %q, uid %q, schemaVersion %d: want a title, a uid and schemaVersion 36 or later", d.Title, d.UID, d.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" || vars["centre"] != "query" {
		t.Errorf("template variables %v: want a datasource variable and a centre query variable", vars)
	}

	ids := map[int]bool{}
	used := map[string]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: data source %q, want ${datasource}", p.Title, p.Datasource.UID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			names := metricName.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: %q asks for no sothutu metric", p.Title, tg.Expr)
			}
			if !strings.Contains(tg.Expr, `centre=~"$centre"`) {
				t.Errorf("panel %q: %q ignores the centre variable", p.Title, tg.Expr)
			}
			for _, n := range names {
				used[n] = true
			}
		}
	}

	// Every name anywhere in the model, variables and texts included.
	for _, n := range metricName.FindAllString(string(b), -1) {
		used[n] = true
	}
	known := exported(t)
	for n := range used {
		if !known[n] {
			t.Errorf("the dashboard uses %s, which the collector does not export", n)
		}
	}
	var unused []string
	for n := range known {
		if !used[n] {
			unused = append(unused, n)
		}
	}
	slices.Sort(unused)
	t.Logf("exported but not charted: %v", unused)
}
