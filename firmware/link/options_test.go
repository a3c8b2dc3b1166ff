package link

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

func TestNewOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Options)
		field string // named in the error; "" for no error
	}{
		{"valid", func(*Options) {}, ""},
		{"no broker", func(o *Options) { o.Broker = "" }, "Broker"},
		{"broker without scheme", func(o *Options) { o.Broker = "127.0.0.1:1883" }, "Broker"},
		{"broker with http", func(o *Options) { o.Broker = "http://127.0.0.1:1883" }, "Broker"},
		{"no centre", func(o *Options) { o.Centre = "" }, "Centre"},
		{"centre with a slash", func(o *Options) { o.Centre = "c/1" }, "Centre"},
		{"device with a wildcard", func(o *Options) { o.Device = "k#" }, "Device"},
		{"no kind", func(o *Options) { o.Kind = "" }, "Kind"},
		{"unknown kind", func(o *Options) { o.Kind = "printer" }, "Kind"},
		{"no state dir", func(o *Options) { o.StateDir = "" }, "StateDir"},
		{"negative resend", func(o *Options) { o.ResendAfter = -time.Second }, "ResendAfter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Broker: "tcp://127.0.0.1:1883", Centre: centre, Device: device,
				Kind: protocol.DeviceCounter, StateDir: t.TempDir(), Logger: testLogger(t)}
			tc.edit(&o)
			l, err := New(o)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if l.opts.Username != device || l.opts.ResendAfter != DefaultResendAfter || l.clock == nil {
					t.Errorf("defaults not applied: %+v", l.opts)
				}
				return
			}
			if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("New: %v, want ErrOptions naming %s", err, tc.field)
			}
		})
	}
}

func TestSeqFile(t *testing.T) {
	clk := newFakeClock()
	opts := func(dir string) Options {
		return Options{Broker: "tcp://127.0.0.1:1883", Centre: centre, Device: device,
			Kind: protocol.DeviceBoard, StateDir: dir, Clock: clk, Logger: testLogger(t)}
	}
	fromClock := uint64(clk.Now().Unix())
	for _, tc := range []struct {
		name    string
		content string // "" for no file
		want    uint64
	}{
		{"missing", "", fromClock},
		{"stored", "41\n", 41},
		{"damaged", "forty-one", fromClock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.content != "" {
				must(t, os.WriteFile(filepath.Join(dir, seqFile), []byte(tc.content), 0o600))
			}
			l, err := New(opts(dir))
			if err != nil {
				t.Fatal(err)
			}
			if l.seq != tc.want {
				t.Errorf("seq %d, want %d", l.seq, tc.want)
			}
			if got := l.nextSeq(); got != tc.want+1 {
				t.Errorf("nextSeq() = %d, want %d", got, tc.want+1)
			}
			if got, err := readSeq(dir); err != nil || got != tc.want+1 {
				t.Errorf("stored seq %d, %v; want %d", got, err, tc.want+1)
			}
		})
	}
}

func TestQueueDropsOldest(t *testing.T) {
	q := newQueue[int](3)
	var dropped uint64
	for i := range 5 {
		dropped = q.push(i)
	}
	if dropped != 2 {
		t.Errorf("dropped %d, want 2", dropped)
	}
	var got []int
	for v, ok := q.pop(); ok; v, ok = q.pop() {
		got = append(got, v)
	}
	if len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Errorf("queue held %v, want [2 3 4]", got)
	}
	if q.len() != 0 {
		t.Error("queue not empty")
	}
}
