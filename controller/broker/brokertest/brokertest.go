// Package brokertest holds what the tests' broker processes (Mosquitto,
// NATS) have in common: finding the program, a free port, and waiting for
// it to listen.
package brokertest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"
)

// Find looks for a program in PATH, then in dirs (distributions install
// brokers in sbin, often not in a user's PATH).
func Find(name string, dirs ...string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	for _, d := range dirs {
		p := d + "/" + name
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// FreePort returns a loopback TCP port nobody listens on right now.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

// WaitListening polls addr until it accepts a TCP connection, the process
// exits (exited closes) or timeout passes.
func WaitListening(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before listening on %s", addr)
		case <-deadline.C:
			return fmt.Errorf("not listening on %s after %v: %w", addr, timeout, err)
		case <-tick.C:
		}
	}
}
