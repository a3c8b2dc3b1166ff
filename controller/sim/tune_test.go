package sim

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
)

// TestTune is how the Balance weights were chosen: a grid around them on
// the commune, city, surge and break days, with seeds other than the
// benchmark's (7 and 11, 40 days each). For every weighting it prints the
// p95 and the share within target next to the best skill-respecting
// reference's. It runs only when SOTHUTU_TUNE is a seed:
//
//	SOTHUTU_TUNE=7 go test -run TestTune -v -timeout 1h ./controller/sim
func TestTune(t *testing.T) {
	seed, err := strconv.ParseUint(os.Getenv("SOTHUTU_TUNE"), 10, 64)
	if err != nil {
		t.Skip("set SOTHUTU_TUNE to a seed to tune the balance policy's weights")
	}
	type weighting struct {
		name string
		b    engine.Balance
	}
	var grid []weighting
	for _, short := range []float64{0.3, 0.5} {
		for _, flex := range []float64{0.25, 0.5} {
			for _, late := range []float64{1.75, 2, 2.5} {
				for _, level := range [][]float64{{1, 1, 1}, {1, 0.95, 0.9}} {
					grid = append(grid, weighting{fmt.Sprintf("short %.2f flex %.2f late %.2f level %v", short, flex, late, level),
						engine.Balance{Slack: time.Minute, Level: level, Kappa: 1, Short: short, Flex: flex, Late: late}})
				}
			}
		}
	}
	refs := []string{"priority", "levels", "longest-wait"}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan bool, 2)
	for _, name := range []string{"commune", "city", "surge", "break"} {
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		var bestP95, bestIn float64 = 1e9, 0
		for _, p := range refs {
			r, _ := Simulate(Options{Scenario: s, Policy: p, Days: 40, Seed: seed})
			st := r.Stats(s.Targets())
			bestP95, bestIn = min(bestP95, st.P95), max(bestIn, st.InTarget)
		}
		for _, w := range grid {
			wg.Go(func() {
				sem <- true
				defer func() { <-sem }()
				b := w.b
				r, _ := Simulate(Options{Scenario: s, Impl: &b, Days: 40, Seed: seed})
				st := r.Stats(s.Targets())
				mu.Lock()
				t.Logf("%-8s %-48s p95 %5.1f (best reference %5.1f) within target %.3f (%.3f) mean %5.2f",
					name, w.name, st.P95, bestP95, st.InTarget, bestIn, st.Mean)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
}
