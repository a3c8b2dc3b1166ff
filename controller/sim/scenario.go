package sim

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sothutu/sothutu/controller/config"
)

//go:embed scenarios/*.yaml
var embedded embed.FS

// ErrScenario reports a scenario file that cannot be used.
var ErrScenario = errors.New("bad scenario")

// Scenario is a kind of day at a centre: when it is open, who comes for
// what, how long each service takes, who serves what, and what goes wrong.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Base names a scenario this one starts from; its fields replace the
	// base's.
	Base string `yaml:"base"`

	Sessions []Session `yaml:"sessions"` // opening hours, e.g. morning and afternoon
	Tickets  int       `yaml:"tickets"`  // expected tickets a day
	// Peaks multiply the arrival rate between two times; Surges multiply it
	// again (a surge day is a usual day with a surge).
	Peaks  []Peak `yaml:"peaks"`
	Surges []Peak `yaml:"surges"`

	PriorityShare float64 `yaml:"priority_share"` // citizens with legal priority
	NoShow        float64 `yaml:"no_show"`        // called citizens who do not come
	CallTimeout   Dur     `yaml:"call_timeout"`   // how long a counter waits for them
	TransferShare float64 `yaml:"transfer_share"` // served citizens sent on to another service
	CV            float64 `yaml:"cv"`             // coefficient of variation of service times
	PriorityMax   int     `yaml:"priority_max_in_row"`

	Services []ServiceSpec `yaml:"services"`
	Counters []CounterSpec `yaml:"counters"`
	Breaks   []Break       `yaml:"breaks"`  // planned: staff pause
	Outages  []Break       `yaml:"outages"` // unplanned: a counter goes down
}

// Session is one opening: tickets are issued from Open to Close; counters
// serve whoever holds one, then stop.
type Session struct {
	Open  Clock `yaml:"open"`
	Close Clock `yaml:"close"`
}

// Peak multiplies the arrival rate by Factor from From to To.
type Peak struct {
	From   Clock   `yaml:"from"`
	To     Clock   `yaml:"to"`
	Factor float64 `yaml:"factor"`
}

// ServiceSpec is one service: its share of the tickets and its lognormal
// service time.
type ServiceSpec struct {
	ID     string  `yaml:"id"`
	Name   string  `yaml:"name"`
	Share  float64 `yaml:"share"`  // relative weight among services
	Mean   Dur     `yaml:"mean"`   // mean service time
	CV     float64 `yaml:"cv"`     // overrides the scenario's
	Target Dur     `yaml:"target"` // the centre's target wait
}

// CounterSpec is one counter: the services it serves, main one first, at
// the levels given (by default the list order: 1, 2, 3), and how fast its
// staff are (service times are multiplied by Speed; 0 means 1).
type CounterSpec struct {
	ID       string   `yaml:"id"`
	Services []string `yaml:"services"`
	Levels   []int    `yaml:"levels"`
	Speed    float64  `yaml:"speed"`
}

// level is the counter's level for its i-th service.
func (c *CounterSpec) level(i int) int {
	if i < len(c.Levels) && c.Levels[i] > 0 {
		return c.Levels[i]
	}
	return i + 1
}

// Break takes a counter off from From to To: it finishes its current
// citizen first.
type Break struct {
	Counter string `yaml:"counter"`
	From    Clock  `yaml:"from"`
	To      Clock  `yaml:"to"`
}

// Clock is a time of day, written "07:30".
type Clock time.Duration

// UnmarshalYAML reads "15:04".
func (c *Clock) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse("15:04", n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a time of day like 07:30: %w", n.Line, n.Value, ErrScenario)
	}
	*c = Clock(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
	return nil
}

func (c Clock) String() string {
	d := time.Duration(c)
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// Dur is a duration, written "8m" or "1h30m".
type Dur time.Duration

// UnmarshalYAML reads a Go duration.
func (d *Dur) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 8m: %w", n.Line, n.Value, ErrScenario)
	}
	*d = Dur(v)
	return nil
}

// Scenarios returns the shipped scenarios, in the order of their files'
// names.
func Scenarios() ([]*Scenario, error) {
	names, err := fs.Glob(embedded, "scenarios/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("sim.Scenarios: %w", err)
	}
	slices.Sort(names)
	var out []*Scenario
	for _, n := range names {
		s, err := Load(strings.TrimSuffix(path.Base(n), ".yaml"))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Load returns the shipped scenario of that name (its file's name).
func Load(name string) (*Scenario, error) {
	return load(name, 0)
}

func load(name string, depth int) (*Scenario, error) {
	if depth > 4 {
		return nil, fmt.Errorf("sim.Load %s: bases nest too deep: %w", name, ErrScenario)
	}
	data, err := embedded.ReadFile("scenarios/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("sim.Load %s: %w", name, err)
	}
	var head struct {
		Base string `yaml:"base"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("sim.Load %s: %w", name, err)
	}
	s := &Scenario{}
	if head.Base != "" {
		// Fields the file gives replace the base's; lists are replaced whole.
		if s, err = load(head.Base, depth+1); err != nil {
			return nil, err
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("sim.Load %s: %w", name, err)
	}
	s.Name = name
	return s, nil
}

// Check reports the first thing in s that makes no sense.
func (s *Scenario) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("scenario %s: %s: %w", s.Name, fmt.Sprintf(format, args...), ErrScenario)
	}
	if len(s.Sessions) == 0 || s.Tickets <= 0 || len(s.Services) == 0 || len(s.Counters) == 0 {
		return bad("needs sessions, tickets, services and counters")
	}
	ids := map[string]bool{}
	for _, sv := range s.Services {
		if sv.ID == "" || sv.Share <= 0 || sv.Mean <= 0 || sv.Target <= 0 {
			return bad("service %q needs an id, a share, a mean and a target", sv.ID)
		}
		ids[sv.ID] = true
	}
	served := map[string]bool{}
	counters := map[string]bool{}
	for _, c := range s.Counters {
		if c.ID == "" || len(c.Services) == 0 || c.Speed < 0 {
			return bad("counter %q needs an id and services", c.ID)
		}
		if len(c.Levels) > 0 && len(c.Levels) != len(c.Services) {
			return bad("counter %s has %d levels for %d services", c.ID, len(c.Levels), len(c.Services))
		}
		counters[c.ID] = true
		for _, sv := range c.Services {
			if !ids[sv] {
				return bad("counter %s serves unknown service %q", c.ID, sv)
			}
			served[sv] = true
		}
	}
	for id := range ids {
		if !served[id] {
			return bad("no counter serves service %s", id)
		}
	}
	for _, b := range append(slices.Clone(s.Breaks), s.Outages...) {
		if !counters[b.Counter] || b.To <= b.From {
			return bad("break or outage of counter %q from %s to %s", b.Counter, b.From, b.To)
		}
	}
	if s.NoShow > 0 && s.CallTimeout <= 0 {
		return bad("no-shows need a call_timeout")
	}
	return nil
}

// Centre is the scenario's centre configuration: its services and counters
// with their levels. pooled gives every counter every service at level 1,
// the anchor that ignores counter skills.
func (s *Scenario) Centre(pooled bool) *config.Centre {
	c := &config.Centre{ID: "sim-" + s.Name, Timezone: config.DefaultTimezone, Location: vietnam,
		Rules: config.Rules{PriorityMaxInRow: s.PriorityMax}}
	if c.Rules.PriorityMaxInRow == 0 {
		c.Rules.PriorityMaxInRow = config.DefaultPriorityMaxInRow
	}
	for _, sv := range s.Services {
		c.Services = append(c.Services, config.Service{ID: sv.ID, Prefix: sv.ID, Width: 4,
			Name: config.Text{VI: sv.Name}, TargetWait: time.Duration(sv.Target), MeanService: time.Duration(sv.Mean)})
	}
	for _, cs := range s.Counters {
		cc := config.Counter{ID: cs.ID, Name: config.Text{VI: "Quầy " + cs.ID}}
		if pooled {
			for _, sv := range s.Services {
				cc.Services = append(cc.Services, config.Skill{Service: sv.ID, Level: 1})
			}
		} else {
			for i, sv := range cs.Services {
				cc.Services = append(cc.Services, config.Skill{Service: sv, Level: cs.level(i)})
			}
		}
		c.Counters = append(c.Counters, cc)
	}
	return c
}

var vietnam = mustZone(config.DefaultTimezone)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
