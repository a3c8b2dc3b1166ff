package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/pages/pagestest"
	"github.com/sothutu/sothutu/protocol"
)

// BenchmarkLiveDelay measures how long the live view takes to show a call:
// from the call next sent until the live stream has delivered the state
// with the counter serving the ticket called (the browser's drawing not
// included). "keypad" sends the call as a counter terminal does, over
// MQTT through the device link; "page" as the staff's counter page does,
// in process. Each call is preceded by a ticket taken, not timed.
func BenchmarkLiveDelay(b *testing.B) {
	for _, via := range []string{"keypad", "page"} {
		b.Run(via, func(b *testing.B) {
			s := start(b)
			m := s.signIn(b, "quanly")
			states := liveStream(b, s, m)
			terminal := device(b, s, "counter-1")
			ctl := s.centre.Controller()
			ctx := context.Background()
			actor := engine.Actor{Device: "web:lan", Kind: protocol.DeviceCounter, Counter: "1"}
			var lat centretest.Latencies
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				ticket := issue(b, s, "A").Number
				b.StartTimer()
				start := time.Now()
				if via == "keypad" {
					go func() {
						r, err := terminal.Request(ctx, protocol.Request{Op: protocol.OpCallNext})
						if err != nil || !r.OK {
							b.Errorf("call next: %+v %v", r, err)
						}
					}()
				} else if r, err := ctl.Do(ctx, actor, protocol.Request{Key: fmt.Sprint("call-", i), Op: protocol.OpCallNext}); err != nil || !r.OK {
					b.Fatalf("call next: %+v %v", r, err)
				}
				for o := range states {
					if o.serving("1") == ticket {
						break
					}
				}
				lat = append(lat, time.Since(start))
			}
			lat.Report(b)
		})
	}
}

type overview struct{ centre.Overview }

func (o overview) serving(counter string) string {
	for _, c := range o.Counters {
		if c.Counter == counter {
			return c.Ticket
		}
	}
	return ""
}

// liveStream opens the live view's event stream and returns its states.
func liveStream(t testing.TB, s *site, u *pagestest.User) <-chan overview {
	req, _ := http.NewRequest(http.MethodGet, s.url+"/live/events", nil)
	client := &http.Client{Jar: u.Client().Jar} // no timeout: the stream lasts
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("live stream: %v %v", resp, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	out := make(chan overview, 64)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var o overview
			if err := json.Unmarshal([]byte(data), &o); err == nil {
				out <- o
			}
		}
	}()
	return out
}
