package sim

import (
	"errors"
	"slices"
	"testing"
)

// The same seed gives the same days, to the second; another seed others.
func TestDeterminism(t *testing.T) {
	s, err := Load("messy") // no-shows, transfers, an outage: every path
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64, advice bool) *Run {
		t.Helper()
		r, err := Simulate(Options{Scenario: s, Days: 2, Seed: seed, Predict: true, Advice: advice})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, advice := range []bool{false, true} {
		a, b := run(1, advice), run(1, advice)
		if !slices.Equal(a.Visits, b.Visits) || a.Busy != b.Busy || a.Moves != b.Moves {
			t.Errorf("advice %v: two runs with seed 1 differ", advice)
		}
		if c := run(2, advice); slices.Equal(a.Visits, c.Visits) {
			t.Errorf("advice %v: seeds 1 and 2 gave the same days", advice)
		}
	}
}

// Every shipped scenario loads, makes sense and runs a day; everybody who
// took a ticket is called the same day.
func TestScenarios(t *testing.T) {
	all, err := Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range all {
		names = append(names, s.Name)
		if err := s.Check(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		for _, c := range Contenders {
			r, err := Simulate(Options{Scenario: s, Policy: c.Policy, Pooled: c.Pooled, Advice: c.Advice, Days: 1, Seed: 3})
			if err != nil {
				t.Fatalf("%s %s: %v", s.Name, c.Label, err)
			}
			st := r.Stats(s.Targets())
			if st.Tickets == 0 || st.Max >= 24*60-7.5*60 {
				t.Errorf("%s %s: %d tickets, longest wait %.0f min", s.Name, c.Label, st.Tickets, st.Max)
			}
		}
	}
	want := []string{"break", "city", "commune", "messy", "surge"}
	if !slices.Equal(names, want) {
		t.Errorf("scenarios %v, want %v", names, want)
	}
}

// A derived scenario keeps its base's fields and replaces those it gives.
func TestScenarioBase(t *testing.T) {
	city, _ := Load("city")
	messy, _ := Load("messy")
	if messy.CV != 1.2 || messy.NoShow != 0.08 || len(messy.Outages) != 1 {
		t.Errorf("messy: cv %v, no-show %v, outages %v", messy.CV, messy.NoShow, messy.Outages)
	}
	if len(messy.Counters) != len(city.Counters) || messy.Tickets != city.Tickets || len(messy.Peaks) != 1 {
		t.Errorf("messy lost the city's counters, tickets or peak")
	}
	if _, err := Load("nowhere"); err == nil {
		t.Errorf("a missing scenario loaded")
	}
	bad := &Scenario{Name: "bad"}
	if err := bad.Check(); !errors.Is(err, ErrScenario) {
		t.Errorf("empty scenario: %v", err)
	}
}
