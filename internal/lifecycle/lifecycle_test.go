package lifecycle_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sothutu/sothutu/internal/lifecycle"
)

var errBroken = errors.New("broken")

func TestGroup(t *testing.T) {
	cases := []struct {
		name  string
		parts map[string]func(ctx context.Context) error
		stop  bool // Stop is called, rather than a part failing
		want  string
	}{
		{
			name: "a failure stops the others",
			parts: map[string]func(ctx context.Context) error{
				"link":  func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
				"keys":  func(context.Context) error { return errBroken },
				"pages": func(ctx context.Context) error { <-ctx.Done(); return http.ErrServerClosed },
			},
			want: "keys: broken",
		},
		{
			name: "stopped cleanly",
			stop: true,
			parts: map[string]func(ctx context.Context) error{
				"link":  func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
				"short": func(context.Context) error { return nil },
				"pages": func(ctx context.Context) error { <-ctx.Done(); return net.ErrClosed },
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := lifecycle.NewGroup(context.Background())
			for name, part := range tc.parts {
				g.Go(name, part)
			}
			if tc.stop {
				g.Stop()
			}
			err := g.Wait()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want) {
				t.Errorf("Wait: %v, want %q", err, tc.want)
			}
			if tc.want != "" && !errors.Is(err, errBroken) {
				t.Errorf("Wait: %v does not wrap the part's error", err)
			}
		})
	}
}

// A request in progress when the context ends is answered before Serve
// returns; new connections are refused after.
func TestServeShutsDownGracefully(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, finish := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-finish
		io.WriteString(w, "done")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- lifecycle.Serve(ctx, srv, ln) }()
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answer <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) with a request in progress", err)
	case <-time.After(50 * time.Millisecond): // a real server: no clock to fake
	}
	close(finish)
	if got := <-answer; got != "done" {
		t.Errorf("request in progress got %q", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if srv.ReadHeaderTimeout != lifecycle.ReadHeaderTimeout {
		t.Errorf("ReadHeaderTimeout %v", srv.ReadHeaderTimeout)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("a request after the shutdown was served")
	}
}

// A listener that fails ends Serve with its error.
func TestServeListenerFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = lifecycle.Serve(context.Background(), &http.Server{}, ln)
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve on a closed listener: %v", err)
	}
}

// Listen binds the address before anything is served: a second server on
// it fails at once, and the first serves until its context ends.
func TestListen(t *testing.T) {
	srv, err := lifecycle.Listen("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "served")
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lifecycle.Listen(srv.Addr(), http.NotFoundHandler()); err == nil {
		t.Errorf("a second Listen on %s succeeded", srv.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	resp, err := http.Get("http://" + srv.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "served" {
		t.Errorf("got %q", body)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
