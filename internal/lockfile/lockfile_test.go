package lockfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/internal/lockfile"
)

func TestAcquire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "centre.db")
	first, err := lockfile.Acquire(path, "controller", "-db")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path + ".lock")
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, %v; want this process's id %d", b, err, os.Getpid())
	}

	// flock locks belong to an open file, so a second open in the same
	// process is refused as another process would be.
	_, err = lockfile.Acquire(path, "controller", "-db")
	var held *lockfile.HeldError
	if !errors.As(err, &held) || !errors.Is(err, lockfile.ErrHeld) {
		t.Fatalf("second Acquire: %v, want a HeldError", err)
	}
	want := path + " is in use by another controller (process " + strconv.Itoa(os.Getpid()) +
		"); stop it first, or give this one another -db"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}

	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	again, err := lockfile.Acquire(path, "controller", "-db")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	again.Release()
}

func TestAcquireNoFolder(t *testing.T) {
	_, err := lockfile.Acquire(filepath.Join(t.TempDir(), "missing", "centre.db"), "controller", "-db")
	if err == nil || errors.Is(err, lockfile.ErrHeld) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Acquire in a missing folder: %v", err)
	}
}

func TestHeldErrorUnknownProcess(t *testing.T) {
	err := &lockfile.HeldError{Path: "/var/lib/sothutu/city.db", Holder: "city service", Flag: "-db"}
	want := "/var/lib/sothutu/city.db is in use by another city service (process id unknown); stop it first, or give this one another -db"
	if err.Error() != want {
		t.Errorf("got %s", err)
	}
}
