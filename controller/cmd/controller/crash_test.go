package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/controller/store/storetest"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

// TestMain lets the test binary run as the controller, so the crash test
// kills a real controller process (built with the same flags, -race
// included) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("SOTHUTU_RUN_CONTROLLER") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// freePort is a port reserved by servertest for the rest of the test
// process: nothing else is given it, so a controller restarted on it finds
// it free.
func freePort(t *testing.T) int {
	t.Helper()
	return servertest.Port(t)
}

// startController runs the test binary as the controller with args and its
// embedded broker on a port reserved by servertest, which stays the test's
// across kills and restarts, and returns once the broker listens.
func startController(t *testing.T, args ...string) *servertest.Server {
	t.Helper()
	s, err := servertest.Start(t, servertest.Options{Name: "controller", Timeout: 20 * time.Second,
		Signal: syscall.SIGTERM,
		Command: func(ports []int) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0], append(args, "-listen", fmt.Sprintf("127.0.0.1:%d", ports[0]))...)
			cmd.Env = append(os.Environ(), "SOTHUTU_RUN_CONTROLLER=1")
			return cmd, nil
		}})
	if err != nil {
		t.Fatalf("startController: %v", err)
	}
	return s
}

// The controller is killed with SIGKILL at random moments while kiosks and
// counters keep working, and restarted, many times. Afterwards every ticket
// a kiosk was given exists, no number was given twice, no ticket was called
// by two counters, and the devices went on by themselves.
func TestCrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	rounds := 12
	if n, err := strconv.Atoi(os.Getenv("CRASH_ROUNDS")); err == nil {
		rounds = n
	}
	dir := t.TempDir()
	cfg, err := config.Parse("example.yaml", config.Example())
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "centre.yaml")
	if err := os.WriteFile(cfgPath, config.Example(), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "centre.db")
	p := startController(t, "-config", cfgPath, "-db", dbPath, "-http", "")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	url := "tcp://" + p.Addr(0)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	newLink := func(id string) *link.Link {
		d, _ := cfg.Device(id)
		l, err := link.New(link.Options{Broker: url, Centre: cfg.ID, Device: id, Kind: d.Kind, Password: d.Password,
			StateDir: filepath.Join(dir, id), Logger: quiet, ResendAfter: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { l.Run(ctx) })
		return l
	}

	var stop atomic.Bool
	var mu sync.Mutex
	given := map[string]string{}    // ticket number → kiosk request key
	calledBy := map[string]string{} // ticket number → counter
	var doneAfterLastStart atomic.Int64
	var work sync.WaitGroup
	errs := make(chan error, 100)

	for _, id := range []string{"kiosk-1", "kiosk-2"} {
		l := newLink(id)
		work.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(len(id)), 1))
			for i := 0; !stop.Load(); i++ {
				key := fmt.Sprintf("%s-%d", id, i)
				s := cfg.Services[rng.IntN(len(cfg.Services))].ID
				r, err := l.Request(ctx, protocol.Request{Key: key, Op: protocol.OpTicket, Service: s})
				if err != nil {
					errs <- fmt.Errorf("%s: %w", key, err)
					return
				}
				if !r.OK {
					errs <- fmt.Errorf("%s refused: %v", key, r.Error)
					return
				}
				mu.Lock()
				if other, dup := given[r.Ticket.Day+r.Ticket.Number]; dup {
					errs <- fmt.Errorf("number %s given to %s and %s", r.Ticket.Number, other, key)
				}
				given[r.Ticket.Day+r.Ticket.Number] = key
				mu.Unlock()
				doneAfterLastStart.Add(1)
			}
		})
	}
	for _, n := range []string{"1", "2", "3", "4"} {
		l := newLink("counter-" + n)
		work.Go(func() {
			for i := 0; !stop.Load(); i++ {
				op := protocol.OpCallNext
				if i%2 == 1 {
					op = protocol.OpComplete
				}
				r, err := l.Request(ctx, protocol.Request{Key: fmt.Sprintf("c%s-%d", n, i), Op: op})
				if err != nil {
					errs <- err
					return
				}
				if op == protocol.OpCallNext && r.OK && r.Ticket != nil {
					mu.Lock()
					if other, dup := calledBy[r.Ticket.Number]; dup {
						errs <- fmt.Errorf("%s called by counter %s and counter %s", r.Ticket.Number, other, n)
					}
					calledBy[r.Ticket.Number] = n
					mu.Unlock()
				}
				doneAfterLastStart.Add(1)
			}
		})
	}

	rng := rand.New(rand.NewPCG(42, 42))
	for range rounds {
		time.Sleep(time.Duration(100+rng.IntN(900)) * time.Millisecond)
		p.Kill()
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		if err := p.Restart(); err != nil {
			t.Fatal(err)
		}
		doneAfterLastStart.Store(0)
	}
	// The devices resume by themselves after the last restart.
	deadline := time.Now().Add(30 * time.Second)
	for doneAfterLastStart.Load() < 50 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := doneAfterLastStart.Load(); n < 50 {
		t.Fatalf("devices completed %d requests in 30s after the last restart", n)
	}
	stop.Store(true)
	finished := make(chan struct{})
	go func() { work.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("devices still waiting for replies 30s after the last restart")
	}
	cancel()
	wg.Wait()
	if !p.Stop(syscall.SIGTERM, 20*time.Second) {
		t.Errorf("controller did not stop on SIGTERM in 20 s")
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := map[string]bool{}
	for _, tk := range storetest.Tickets(t, st) {
		stored[tk.Day+tk.Number] = true
	}
	for n, key := range given {
		if !stored[n] {
			t.Errorf("ticket %s given to %s is not in the store", n, key)
		}
	}
	// The store's history agrees: each ticket called by one counter only.
	callers := map[int64]map[string]bool{}
	for _, e := range storetest.Events(t, st, "called") {
		if callers[e.Ticket] == nil {
			callers[e.Ticket] = map[string]bool{}
		}
		callers[e.Ticket][e.Counter] = true
	}
	twice := 0
	for _, counters := range callers {
		if len(counters) > 1 {
			twice++
		}
	}
	if twice > 0 {
		t.Errorf("%d tickets called by more than one counter in the store", twice)
	}
	t.Logf("%d kills; %d tickets given, %d stored, %d called", rounds, len(given), len(stored), len(calledBy))
	if len(given) < 20 {
		t.Errorf("only %d tickets given: the devices hardly worked", len(given))
	}
}
