package servertest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play the servers of these tests:
// SERVERTEST_FAKE=listen serves on the address in SERVERTEST_ADDR,
// SERVERTEST_FAKE=exit prints a reason and exits, SERVERTEST_FAKE=reserve
// reserves SERVERTEST_PORTS ports, prints them and holds them until its
// standard input closes.
func TestMain(m *testing.M) {
	switch os.Getenv("SERVERTEST_FAKE") {
	case "listen":
		l, err := net.Listen("tcp", os.Getenv("SERVERTEST_ADDR"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "fake server:", err)
			os.Exit(1)
		}
		fmt.Println("listening on", l.Addr())
		for {
			c, err := l.Accept()
			if err != nil {
				os.Exit(1)
			}
			_ = c.Close()
		}
	case "exit":
		fmt.Fprintln(os.Stderr, "fake server: cannot open its configuration: boom")
		os.Exit(3)
	case "reserve":
		n, _ := strconv.Atoi(os.Getenv("SERVERTEST_PORTS"))
		for range n {
			port, err := Reserve()
			if err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			fmt.Println(port)
		}
		fmt.Println("held")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func fake(mode, addr string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SERVERTEST_FAKE="+mode, "SERVERTEST_ADDR="+addr)
	return cmd
}

func TestPick(t *testing.T) {
	cases := []struct {
		file           string
		lo, hi         int
		err            bool
		errNoPort      bool
		wantErrMention string
	}{
		{file: "32768\t60999\n", lo: 10000, hi: 32768},
		{file: "15000 61000", lo: 10000, hi: 15000},
		{file: "1024 60000", lo: 60001, hi: 65536},
		{file: "1024 65000", err: true, errNoPort: true, wantErrMention: "sysctl"},
		{file: "60999 32768", err: true, wantErrMention: "lower first"},
		{file: "32768", err: true, wantErrMention: "two port numbers"},
		{file: "a b", err: true, wantErrMention: "two port numbers"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			low, high, err := parseRange(tc.file)
			var lo, hi int
			if err == nil {
				lo, hi, err = pick(low, high)
			}
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrMention) || errors.Is(err, ErrNoPort) != tc.errNoPort {
					t.Fatalf("error %v, want one mentioning %q (ErrNoPort %v)", err, tc.wantErrMention, tc.errNoPort)
				}
				return
			}
			if err != nil || lo != tc.lo || hi != tc.hi {
				t.Fatalf("range %d-%d, %v; want %d-%d", lo, hi, err, tc.lo, tc.hi)
			}
		})
	}
}

// Ports are never handed out twice in a process, lie outside the
// ephemeral range, and stay locked against other processes.
func TestPortsUnique(t *testing.T) {
	seen := map[int]bool{}
	for range 300 {
		port := Port(t)
		if seen[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		seen[port] = true
		if f, ok, err := lock(port); err != nil || ok {
			if f != nil {
				_ = f.Close()
			}
			t.Fatalf("port %d: a second lock was taken (%v): another process could have it", port, err)
		}
	}
	ephemeral := readEphemeral(t)
	for port := range seen {
		if port >= ephemeral[0] && port <= ephemeral[1] {
			t.Errorf("port %d in the ephemeral range %v", port, ephemeral)
		}
	}
}

func readEphemeral(t *testing.T) [2]int {
	data, err := os.ReadFile(rangeFile)
	if err != nil {
		return [2]int{32768, 60999}
	}
	low, high, err := parseRange(string(data))
	if err != nil {
		t.Fatal(err)
	}
	return [2]int{low, high}
}

// Two processes reserving at the same time get different ports, and the
// ports of a process that ended can be reserved again.
func TestPortsAcrossProcesses(t *testing.T) {
	const n = 200
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SERVERTEST_FAKE=reserve", "SERVERTEST_PORTS="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	// This process reserves while the other does.
	mine := map[int]bool{}
	for range n {
		mine[Port(t)] = true
	}
	theirs := map[int]bool{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && lines.Text() != "held" {
		port, err := strconv.Atoi(lines.Text())
		if err != nil {
			t.Fatalf("the other process: %s", lines.Text())
		}
		theirs[port] = true
	}
	if len(theirs) != n {
		t.Fatalf("the other process reserved %d ports, want %d", len(theirs), n)
	}
	var any int
	for port := range theirs {
		if mine[port] {
			t.Errorf("port %d handed to both processes", port)
		}
		any = port
	}
	if _, ok, _ := lock(any); ok {
		t.Fatalf("port %d of the other process could be locked while it lives", any)
	}
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the other process: %v", err)
	}
	f, ok, err := lock(any)
	if err != nil || !ok {
		t.Fatalf("port %d still locked after its process ended: %v", any, err)
	}
	_ = f.Close()
}

// A server that could not bind is started again on new ports.
func TestStartRetriesAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var calls []int
	s, err := Start(t, Options{Name: "fake", Command: func(ports []int) (*exec.Cmd, error) {
		calls = append(calls, ports[0])
		if len(calls) == 1 {
			return fake("listen", busy.Addr().String()), nil // as if another program took it
		}
		return fake("listen", loopback(ports[0])), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0] == calls[1] || s.Port(0) != calls[1] {
		t.Fatalf("ports tried %v, server on %d; want two different ports, the second kept", calls, s.Port(0))
	}
	if err := Dial(context.Background(), s.Addr(0)); err != nil {
		t.Fatal(err)
	}
}

// The wait for readiness ends when the process exits, with what it printed.
func TestStartExited(t *testing.T) {
	start := time.Now()
	_, err := Start(t, Options{Name: "fake", Timeout: time.Minute, Command: func([]int) (*exec.Cmd, error) {
		return fake("exit", ""), nil
	}})
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("error %v, want ErrExited with the exit status and the output", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Start took %v to see the process exit", d)
	}
}

// Restart serves on the same port again, which nobody took meanwhile.
func TestKillRestart(t *testing.T) {
	s, err := Start(t, Options{Name: "fake", Signal: syscall.SIGTERM, Command: func(ports []int) (*exec.Cmd, error) {
		return fake("listen", loopback(ports[0])), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr(0)
	s.Kill()
	s.Kill()
	if err := Dial(context.Background(), addr); err == nil {
		t.Fatalf("%s accepts connections after Kill", addr)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr(0) != addr {
		t.Fatalf("address %s after Restart, want %s", s.Addr(0), addr)
	}
	if err := Dial(context.Background(), addr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Output(), "listening on "+addr) {
		t.Errorf("output %q", s.Output())
	}
	if !s.Stop(syscall.SIGTERM, 10*time.Second) {
		t.Error("the fake server did not end on SIGTERM")
	}
}

// Bind tries another address when the first is in use.
func TestBind(t *testing.T) {
	var tried []string
	addr, err := Bind(t, func(addr string) error {
		tried = append(tried, addr)
		if len(tried) == 1 {
			return fmt.Errorf("broker.Start: %w", &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)})
		}
		return nil
	})
	if err != nil || len(tried) != 2 || addr != tried[1] || tried[0] == tried[1] {
		t.Fatalf("Bind = %s, %v after trying %v", addr, err, tried)
	}
	_, err = Bind(t, func(string) error { return errors.New("bad accounts") })
	if err == nil || !strings.Contains(err.Error(), "bad accounts") {
		t.Fatalf("Bind with a failing start: %v", err)
	}
}

// failing records a test's Fatalf and ends its goroutine, as testing does,
// so that a helper's failure can be checked.
type failing struct {
	testing.TB
	skipped, fatal string
}

func (f *failing) Helper() {}
func (f *failing) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *failing) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }
func (f *failing) Skip(args ...any) {
	f.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

// on runs a helper on f in a goroutine of its own, as a test runs.
func (f *failing) on(helper func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(f)
	}()
	<-done
}

func TestEventually(t *testing.T) {
	cases := []struct {
		name      string
		trueAfter int // calls; 0: never
		within    time.Duration
		wantFatal string
		explained bool
	}{
		{name: "at once", trueAfter: 1, within: time.Second},
		{name: "after a few calls", trueAfter: 5, within: 5 * time.Second},
		{name: "never", within: 50 * time.Millisecond, wantFatal: "not ready within 50ms", explained: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &failing{TB: t}
			calls, explained := 0, false
			f.on(func(tb testing.TB) {
				Eventually(tb, "ready", c.within, func() bool {
					calls++
					return c.trueAfter > 0 && calls >= c.trueAfter
				}, func() { explained = true })
			})
			if f.fatal != c.wantFatal || explained != c.explained {
				t.Errorf("failed with %q (explained %v), want %q (%v)", f.fatal, explained, c.wantFatal, c.explained)
			}
			if c.trueAfter > 0 && calls != c.trueAfter {
				t.Errorf("ok called %d times, want %d", calls, c.trueAfter)
			}
		})
	}
}

// A missing file or program skips the test, or fails it under CI=true,
// with the command that installs it.
func TestMissing(t *testing.T) {
	present := filepath.Join(t.TempDir(), "font.ttf")
	if err := os.WriteFile(present, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	absent := filepath.Join(t.TempDir(), "none.ttf")
	cases := []struct {
		name, ci     string
		check        func(testing.TB)
		skip, failed bool
	}{
		{name: "file present", check: func(tb testing.TB) { File(tb, present, "apt-get install -y fonts") }},
		{name: "file absent", check: func(tb testing.TB) { File(tb, absent, "apt-get install -y fonts") }, skip: true},
		{name: "file absent in CI", ci: "true", check: func(tb testing.TB) { File(tb, absent, "apt-get install -y fonts") }, failed: true},
		{name: "program present", check: func(tb testing.TB) { Program(tb, "sh", "apt-get install -y dash") }},
		{name: "program absent in CI", ci: "true", check: func(tb testing.TB) { Program(tb, "no-such-program-x", "apt-get install -y x") }, failed: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			f := &failing{TB: t}
			f.on(c.check)
			if (f.skipped != "") != c.skip || (f.fatal != "") != c.failed {
				t.Fatalf("skipped %q, failed %q; want skipped %v, failed %v", f.skipped, f.fatal, c.skip, c.failed)
			}
			if message := f.skipped + f.fatal; message != "" && !strings.Contains(message, "apt-get install") {
				t.Errorf("message %q does not say how to install it", message)
			}
		})
	}
}
