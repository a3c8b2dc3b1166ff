package servertest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// ErrNoPort is wrapped by Port's error when every port of the range is
// taken or the range is empty.
var ErrNoPort = errors.New("no free port outside the ephemeral range")

// lockDir holds one lock file per reserved port, shared by every test
// process of the machine. It is fixed when the process starts, so a test's
// t.Setenv("TMPDIR", ...) does not move it.
var lockDir = filepath.Join(os.TempDir(), "sothutu-test-ports")

// The ports reserved by this process: their lock files stay open (and
// locked) until the process ends, and none is handed out twice.
var reserved struct {
	sync.Mutex
	files   map[int]*os.File
	skipped map[int]bool // in use by something else when tried
	lo, hi  int          // the range, [lo, hi)
	err     error        // why there is no range
	once    sync.Once
}

// Port reserves a loopback TCP port for the rest of the test process; the
// test fails if none is left.
func Port(t testing.TB) int {
	t.Helper()
	port, err := Reserve()
	if err != nil {
		t.Fatalf("servertest.Port: %v", err)
	}
	return port
}

// Addr is Port as "127.0.0.1:port". Nothing listens there until the test
// starts a server on it, so it also serves as an address that refuses
// connections.
func Addr(t testing.TB) string {
	t.Helper()
	return loopback(Port(t))
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// Reserve is Port for code without a testing.TB.
func Reserve() (int, error) {
	reserved.once.Do(func() {
		reserved.files = map[int]*os.File{}
		reserved.skipped = map[int]bool{}
		reserved.lo, reserved.hi, reserved.err = portRange()
		if reserved.err == nil {
			reserved.err = makeLockDir()
		}
	})
	reserved.Lock()
	defer reserved.Unlock()
	if reserved.err != nil {
		return 0, fmt.Errorf("servertest.Reserve: %w", reserved.err)
	}
	// Each process starts at a random place, so that processes started
	// together rarely try the same locks.
	n := reserved.hi - reserved.lo
	start := rand.IntN(n)
	for i := range n {
		port := reserved.lo + (start+i)%n
		if reserved.files[port] != nil || reserved.skipped[port] {
			continue
		}
		f, ok, err := lock(port)
		if err != nil {
			return 0, fmt.Errorf("servertest.Reserve: %w", err)
		}
		if !ok {
			continue // another test process holds it
		}
		if !bindable(port) {
			_ = f.Close() // releases the lock: it is nobody's test port
			reserved.skipped[port] = true
			continue
		}
		reserved.files[port] = f
		return port, nil
	}
	return 0, fmt.Errorf("servertest.Reserve: %w: all of %d-%d are taken", ErrNoPort, reserved.lo, reserved.hi-1)
}

// lock takes the port's lock file without waiting; ok is false when another
// process (or another open file of this one) holds it.
func lock(port int) (f *os.File, ok bool, err error) {
	name := filepath.Join(lockDir, strconv.Itoa(port))
	// Read-only is enough for flock, and opens a file another user made.
	f, err = os.OpenFile(name, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("open the port's lock file: %w (remove %s if it belongs to nobody)", err, lockDir)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("flock %s: %w", name, err)
	}
	return f, true, nil
}

// bindable reports whether nothing listens on the port right now.
func bindable(port int) bool {
	l, err := net.Listen("tcp", loopback(port))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

func makeLockDir() error {
	if err := os.MkdirAll(lockDir, 0o777); err != nil {
		return fmt.Errorf("create the ports' lock folder: %w", err)
	}
	// Sticky and open to all, as /tmp is: the test processes of other
	// users share it. Only its owner can change its mode.
	_ = os.Chmod(lockDir, 0o777|os.ModeSticky)
	return nil
}

// minPort keeps the range clear of the usual fixed ports of services
// (PostgreSQL's 5432, Mosquitto's 1883, 8080 and the like).
const (
	minPort   = 10000
	minPorts  = 1000 // a range smaller than this is refused
	rangeFile = "/proc/sys/net/ipv4/ip_local_port_range"
)

// portRange is the range ports are reserved from: below the kernel's
// ephemeral range when there is room, else above it.
func portRange() (lo, hi int, err error) {
	low, high := 32768, 60999 // Linux's default, when the file is missing
	if data, err := os.ReadFile(rangeFile); err == nil {
		if low, high, err = parseRange(string(data)); err != nil {
			return 0, 0, err
		}
	}
	return pick(low, high)
}

func parseRange(s string) (low, high int, err error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return 0, 0, fmt.Errorf("%s holds %q, want two port numbers", rangeFile, s)
	}
	low, errLow := strconv.Atoi(fields[0])
	high, errHigh := strconv.Atoi(fields[1])
	if errLow != nil || errHigh != nil || low < 1 || high > 65535 || low > high {
		return 0, 0, fmt.Errorf("%s holds %q, want two port numbers, the lower first", rangeFile, s)
	}
	return low, high, nil
}

// pick chooses the range outside the ephemeral range [low, high].
func pick(low, high int) (lo, hi int, err error) {
	if low-minPort >= minPorts {
		return minPort, low, nil
	}
	if 65536-(high+1) >= minPorts {
		return high + 1, 65536, nil
	}
	return 0, 0, fmt.Errorf("%w: the ephemeral range %d-%d leaves fewer than %d ports above %d; narrow it with sysctl net.ipv4.ip_local_port_range=\"32768 60999\"",
		ErrNoPort, low, high, minPorts, minPort)
}
