package servertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Sentinel errors of Start and Restart, wrapped with what the server printed.
var (
	// ErrAddressInUse: the server could not bind one of its ports.
	ErrAddressInUse = errors.New("address already in use")
	// ErrExited: the server exited before it was ready.
	ErrExited = errors.New("exited before it was ready")
	// ErrNotReady: the server ran but was not ready within the timeout.
	ErrNotReady = errors.New("not ready in time")
)

// attempts bounds how many sets of new ports Start and Bind try.
const attempts = 5

// Options describes a server process.
type Options struct {
	// Name names the server in errors and in the test's log: "mosquitto".
	Name string
	// Ports is the number of reserved ports the server takes; 1 if zero.
	Ports int
	// Command makes the command serving on ports (and may write its
	// configuration). Start calls it again with new ports when the server
	// could not bind one of them. It may replace ports[i] with a port the
	// test reserved itself with Port (one other servers' configurations
	// name): the server keeps that one. Its Stdout and Stderr are set by
	// Start.
	Command func(ports []int) (*exec.Cmd, error)
	// Ready returns nil once the server serves. It is called until it
	// does, and its context ends when the process exits. Nil waits until
	// the first port accepts a TCP connection.
	Ready func(ctx context.Context, ports []int) error
	// Timeout bounds each wait for Ready, and Restart's retries while a
	// port is in use; 10 s if zero.
	Timeout time.Duration
	// Signal ends the server when the test ends, SIGKILL 10 s later if it
	// is still running; zero kills it at once.
	Signal syscall.Signal
}

// Server is a process serving a test on reserved loopback ports. Its
// methods are for the test's goroutine.
type Server struct {
	opts    Options
	ports   []int
	logPath string
	log     *os.File
	// logf tells the test's log (Start) or the server's own (Launch)
	// about ports found in use.
	logf func(format string, args ...any)

	cmd    *exec.Cmd
	ended  *os.ProcessState // the last run that was stopped or killed
	exited chan struct{}    // closed once cmd is reaped
	from   int64            // where the current run's output starts in the log
	probes sync.WaitGroup
	waits  sync.WaitGroup
}

// Start runs the server on reserved ports and returns once it is ready.
// When it fails to bind, it is run again on new ports, up to five times.
// The server is ended when the test ends, and its output logged if the test
// failed.
func Start(t testing.TB, opts Options) (*Server, error) {
	t.Helper()
	s, err := newServer(opts, t.TempDir(), t.Logf)
	if err != nil {
		return nil, fmt.Errorf("servertest.Start: %w", err)
	}
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			if data, err := os.ReadFile(s.logPath); err == nil {
				t.Logf("%s log (%s):\n%s", s.opts.Name, s.logPath, tail(string(data)))
			}
		}
	})
	if err := s.start(); err != nil {
		return nil, fmt.Errorf("servertest.Start: %w", err)
	}
	return s, nil
}

// Launch is Start for the rest of the test process rather than one test:
// for a server that many tests, or the -count runs of one, share, since
// starting it takes seconds. Its log is in dir. The caller ends it with
// Close (TestMain, after m.Run); the kernel ends it if the test process
// dies first, as on a test's time-out.
func Launch(opts Options, dir string) (*Server, error) {
	s, err := newServer(opts, dir, nil)
	if err != nil {
		return nil, fmt.Errorf("servertest.Launch: %w", err)
	}
	s.logf = func(format string, args ...any) { fmt.Fprintf(s.log, format+"\n", args...) }
	if err := s.start(); err != nil {
		s.Close()
		return nil, fmt.Errorf("servertest.Launch: %w", err)
	}
	return s, nil
}

func newServer(opts Options, dir string, logf func(string, ...any)) (*Server, error) {
	if opts.Name == "" {
		opts.Name = "server"
	}
	if opts.Ports == 0 {
		opts.Ports = 1
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Ready == nil {
		opts.Ready = func(ctx context.Context, ports []int) error { return Dial(ctx, loopback(ports[0])) }
	}
	s := &Server{opts: opts, logPath: filepath.Join(dir, opts.Name+".log"), logf: logf}
	var err error
	if s.log, err = os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Name, err)
	}
	return s, nil
}

// start runs the server on new reserved ports, up to five sets of them
// while they are in use.
func (s *Server) start() error {
	var err error
	for range attempts {
		s.ports = make([]int, s.opts.Ports)
		for i := range s.ports {
			if s.ports[i], err = Reserve(); err != nil {
				return fmt.Errorf("%s: %w", s.opts.Name, err)
			}
		}
		if err = s.run(); !errors.Is(err, ErrAddressInUse) {
			break
		}
		s.logf("servertest: %s: ports %v in use, trying others", s.opts.Name, s.ports)
	}
	return err
}

// Port is the server's i-th port; it does not change on Restart.
func (s *Server) Port(i int) int { return s.ports[i] }

// Addr is the server's i-th port as "127.0.0.1:port".
func (s *Server) Addr(i int) string { return loopback(s.ports[i]) }

// Pid is the running process's id, 0 when none runs.
func (s *Server) Pid() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Ended is how the last run that Stop or Kill ended exited (nil before
// one): a test of a clean stop reads its exit status.
func (s *Server) Ended() *os.ProcessState { return s.ended }

// LogPath is the file holding everything the server printed.
func (s *Server) LogPath() string { return s.logPath }

// Output is what the server printed since it was last started.
func (s *Server) Output() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	if int64(len(data)) < s.from {
		return ""
	}
	return string(data[s.from:])
}

// Exited is closed once the running process has exited (at once if none
// runs).
func (s *Server) Exited() <-chan struct{} {
	if s.exited == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return s.exited
}

// Kill ends the server as a crash would and waits for the process (and
// the process group it leads) to be reaped; its ports close with it.
// Killing a stopped server does nothing.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.exited: // reaped: its process id may belong to another by now
	default:
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-s.exited
	s.ended, s.cmd = s.cmd.ProcessState, nil
}

// Stop sends the server sig and waits up to timeout for it to exit, then
// kills it. It reports whether the server exited by itself.
func (s *Server) Stop(sig syscall.Signal, timeout time.Duration) bool {
	if s.cmd == nil {
		return true
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
		s.ended, s.cmd = s.cmd.ProcessState, nil
		return true
	case <-time.After(timeout):
		s.Kill()
		return false
	}
}

// Restart kills the server if it runs and starts it again on the same
// ports, for tests of reconnection: nobody else was given them meanwhile.
// If one is still in use (a program outside the tests took it), it is
// tried again until the timeout passes.
func (s *Server) Restart() error {
	s.Kill()
	deadline := time.Now().Add(s.opts.Timeout)
	for {
		err := s.run()
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrAddressInUse) || time.Now().After(deadline) {
			return fmt.Errorf("servertest.Restart: %w", err)
		}
		s.logf("servertest: %s: ports %v still in use, trying again", s.opts.Name, s.ports)
		<-time.After(100 * time.Millisecond) // a real process's socket: no clock to fake
	}
}

// run starts the process on s.ports and waits until it is ready.
func (s *Server) run() error {
	cmd, err := s.opts.Command(s.ports)
	if err != nil {
		return fmt.Errorf("%s: command: %w", s.opts.Name, err)
	}
	if info, err := s.log.Stat(); err == nil {
		s.from = info.Size()
	}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true // Kill ends its children too
	dieWithParent(cmd.SysProcAttr)
	exited := make(chan struct{})
	started := make(chan error, 1)
	s.waits.Go(func() {
		defer close(exited)
		// The kernel's parent-death signal follows the thread that
		// started the process: it stays this goroutine's until the
		// process is reaped.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait() // the exit status stays in cmd.ProcessState
	})
	if err := <-started; err != nil {
		return fmt.Errorf("%s: exec %s: %w", s.opts.Name, cmd.Path, err)
	}
	s.cmd, s.exited = cmd, exited
	if err := s.waitReady(cmd, exited); err != nil {
		s.Kill()
		return err
	}
	return nil
}

// waitReady calls Ready until it succeeds, the process exits or the
// timeout passes, whichever comes first.
func (s *Server) waitReady(cmd *exec.Cmd, exited <-chan struct{}) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deadline := time.NewTimer(s.opts.Timeout)
	defer deadline.Stop()
	var last error
	ports, ready := s.ports, s.opts.Ready // Start gives s.ports new ones while a probe may run
	for {
		probe := make(chan error, 1)
		s.probes.Go(func() { probe <- ready(ctx, ports) })
		select {
		case last = <-probe:
			if last == nil {
				return nil
			}
		case <-exited:
			return s.exitError(cmd)
		case <-deadline.C:
			return fmt.Errorf("%s on ports %v: %w after %v: %v; it printed:\n%s",
				s.opts.Name, s.ports, ErrNotReady, s.opts.Timeout, last, tail(s.Output()))
		}
		select {
		case <-exited:
			return s.exitError(cmd)
		case <-deadline.C:
			return fmt.Errorf("%s on ports %v: %w after %v: %v; it printed:\n%s",
				s.opts.Name, s.ports, ErrNotReady, s.opts.Timeout, last, tail(s.Output()))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Server) exitError(cmd *exec.Cmd) error {
	out := s.Output()
	sentinel := ErrExited
	if strings.Contains(strings.ToLower(out), "address already in use") {
		sentinel = ErrAddressInUse
	}
	return fmt.Errorf("%s on ports %v %w (%v); it printed:\n%s", s.opts.Name, s.ports, sentinel, cmd.ProcessState, tail(out))
}

// Close ends the server as the end of its test does: with opts.Signal,
// then SIGKILL. Start's servers are closed when their test ends.
func (s *Server) Close() {
	if s.opts.Signal != 0 {
		s.Stop(s.opts.Signal, 10*time.Second)
	}
	s.Kill()
	s.waits.Wait()
	s.probes.Wait()
	_ = s.log.Close()
}

// tail keeps the end of a long output, where the reason usually is.
func tail(s string) string {
	const keep = 8000
	if len(s) > keep {
		return "..." + s[len(s)-keep:]
	}
	return s
}

// Dial returns nil once addr accepts a TCP connection: the default Ready.
func Dial(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}
