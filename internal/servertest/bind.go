package servertest

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// Bind starts an in-process server with start on a reserved loopback
// address, and again on another if start fails because the address is in
// use (its error wraps syscall.EADDRINUSE), up to five times. It returns
// the address the server took.
func Bind(t testing.TB, start func(addr string) error) (string, error) {
	t.Helper()
	var err error
	for range attempts {
		addr := Addr(t)
		if err = start(addr); err == nil {
			return addr, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
		t.Logf("servertest: %s in use, trying another port", addr)
	}
	return "", fmt.Errorf("servertest.Bind: %w", err)
}

// Rebind starts an in-process server again on the address Bind gave it,
// trying again for up to 10 s while the address is in use.
func Rebind(t testing.TB, addr string, start func(addr string) error) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := start(addr)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return fmt.Errorf("servertest.Rebind: %w", err)
		}
		t.Logf("servertest: %s still in use, trying again", addr)
		<-time.After(100 * time.Millisecond) // a real socket: no clock to fake
	}
}
