package protocol

import (
	"fmt"
	"time"
)

// Upstream topics, on the city's broker: a centre publishes its figures
// under its own prefix and the city answers each record on the centre's
// ack topic.
//
//	qs/v1/<c>/up/figures   centre → city: a figures record (QoS 1)
//	qs/v1/<c>/up/ack       city → centre: records stored (QoS 1)
const (
	KindFigures = "figures"
	KindAck     = "ack"
)

// FiguresTopic is where a centre publishes its figures records.
func FiguresTopic(centre string) string { return prefix(centre) + "/up/" + KindFigures }

// FiguresAckTopic is where the city acknowledges a centre's records.
func FiguresAckTopic(centre string) string { return prefix(centre) + "/up/" + KindAck }

// AllFigures matches the figures of every centre, for the city.
const AllFigures = Root + "/v1/+/up/" + KindFigures

// Figures kinds.
const (
	FiguresInterval = "interval" // one interval of the day, From to To
	FiguresDay      = "day"      // the whole local day
)

// Figures is one record of a centre's figures for an interval or a day,
// sent to the city. Records of a centre are numbered 1, 2, 3, ... in the
// order they are made; the city keeps one per (Centre, Seq), so a record
// sent twice is stored once.
type Figures struct {
	V      int       `json:"v"`
	Centre string    `json:"centre"`
	Seq    int64     `json:"seq"`
	Kind   string    `json:"kind"`
	Day    string    `json:"day"` // local date of From
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Services lists the services with anything to count: a service with no
	// ticket issued, called or waiting is left out.
	Services     []ServiceFigures `json:"services"`
	CountersOpen int              `json:"counters_open"` // at To: serving, idle or paused
	Devices      DeviceFigures    `json:"devices"`
}

// ServiceFigures are one service's figures over a record's span, counted
// as the centre's reports count them (controller/report).
type ServiceFigures struct {
	Service     string    `json:"service"`
	Issued      int       `json:"issued"`
	Served      int       `json:"served"`
	NoShows     int       `json:"no_shows"`
	Transferred int       `json:"transferred"`
	Wait        Quantiles `json:"wait"` // from joining the queue to the first call
	// WithinTarget counts the waits of Wait that were at most the
	// service's target, exactly: the city adds them up across centres.
	WithinTarget int       `json:"within_target"`
	ServiceTime  Quantiles `json:"service_time"` // of served visits
	// Waiting is how many waited at To; -1 when the centre cannot tell
	// (a span made up after the controller was down).
	Waiting       int `json:"waiting"`
	TargetSeconds int `json:"target_s"`
	// Ratings counts satisfaction ratings in the order of Ratings, best first.
	Ratings [4]int `json:"ratings"`
}

// Quantiles sum up N durations, in whole seconds. All zero when N is 0.
type Quantiles struct {
	N   int `json:"n"`
	P50 int `json:"p50"`
	P90 int `json:"p90"`
	P95 int `json:"p95"`
	Max int `json:"max"`
}

// DeviceFigures sums up the devices at the end of the span.
type DeviceFigures struct {
	Total   int `json:"total"`
	Offline int `json:"offline"`
	Faults  int `json:"faults"` // online but reporting a fault or paper out
}

// FiguresAck tells a centre that the city has stored its records Seqs.
type FiguresAck struct {
	V      int     `json:"v"`
	Centre string  `json:"centre"`
	Seqs   []int64 `json:"seqs"`
}

// Limits of figures records.
const (
	MaxFiguresServices = 24
	MaxAckSeqs         = 500
)

// Validate checks a figures record.
func (f *Figures) Validate() error {
	if err := CheckID("centre", f.Centre); err != nil {
		return err
	}
	if f.Seq <= 0 {
		return invalid("seq", "must be positive, got %d", f.Seq)
	}
	if f.Kind != FiguresInterval && f.Kind != FiguresDay {
		return invalid("kind", "%q is not %q or %q", f.Kind, FiguresInterval, FiguresDay)
	}
	if _, err := time.Parse(time.DateOnly, f.Day); err != nil {
		return invalid("day", "%q is not a date like 2026-11-23", f.Day)
	}
	if f.From.IsZero() || !f.To.After(f.From) || f.To.Sub(f.From) > 25*time.Hour {
		return invalid("to", "span %s to %s is not 1 s to 25 h", f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	if len(f.Services) > MaxFiguresServices {
		return invalid("services", "%d services, at most %d", len(f.Services), MaxFiguresServices)
	}
	for i := range f.Services {
		if err := f.Services[i].check(fmt.Sprintf("services[%d]", i)); err != nil {
			return err
		}
	}
	d := f.Devices
	if f.CountersOpen < 0 || d.Total < 0 || d.Offline < 0 || d.Faults < 0 || d.Offline+d.Faults > d.Total {
		return invalid("devices", "counts must not be negative, offline and faults at most total")
	}
	return nil
}

// check checks one service's figures, its fields named below at.
func (s *ServiceFigures) check(at string) error {
	field := func(name string) string { return at + "." + name }
	if err := CheckID(field("service"), s.Service); err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"issued", s.Issued}, {"served", s.Served}, {"no_shows", s.NoShows}, {"transferred", s.Transferred},
		{"target_s", s.TargetSeconds}} {
		if c.n < 0 {
			return invalid(field(c.name), "must not be negative, got %d", c.n)
		}
	}
	if s.WithinTarget < 0 || s.WithinTarget > s.Wait.N {
		return invalid(field("within_target"), "%d is not 0 to the %d waits", s.WithinTarget, s.Wait.N)
	}
	if s.Waiting < -1 {
		return invalid(field("waiting"), "must be -1 (unknown) or more, got %d", s.Waiting)
	}
	for k, n := range s.Ratings {
		if n < 0 {
			return invalid(field("ratings"), "%s count must not be negative", Ratings[k])
		}
	}
	if err := s.Wait.check(field("wait")); err != nil {
		return err
	}
	return s.ServiceTime.check(field("service_time"))
}

func (q Quantiles) check(field string) error {
	if q.N < 0 {
		return invalid(field+".n", "must not be negative, got %d", q.N)
	}
	if q.N == 0 && q != (Quantiles{}) {
		return invalid(field, "no durations (n 0) but quantiles given")
	}
	if q.P50 < 0 || q.P50 > q.P90 || q.P90 > q.P95 || q.P95 > q.Max {
		return invalid(field, "quantiles must rise: p50 %d, p90 %d, p95 %d, max %d", q.P50, q.P90, q.P95, q.Max)
	}
	return nil
}

// Validate checks an acknowledgement.
func (a *FiguresAck) Validate() error {
	if err := CheckID("centre", a.Centre); err != nil {
		return err
	}
	if len(a.Seqs) == 0 || len(a.Seqs) > MaxAckSeqs {
		return invalid("seqs", "%d records, 1 to %d", len(a.Seqs), MaxAckSeqs)
	}
	for _, s := range a.Seqs {
		if s <= 0 {
			return invalid("seqs", "must be positive, got %d", s)
		}
	}
	return nil
}
