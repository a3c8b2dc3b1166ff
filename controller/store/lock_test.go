package store_test

import (
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/internal/lockfile"
)

// A second open of one database is refused while the first is open, with
// a message naming the file and the holder, and allowed once it is closed.
// (The processes of two controllers: controller/cmd/controller's test.)
func TestOpenHeld(t *testing.T) {
	s, path := open(t)
	_, err := store.Open(path)
	if !errors.Is(err, lockfile.ErrHeld) {
		t.Fatalf("second Open: %v, want lockfile.ErrHeld", err)
	}
	want := path + " is in use by another controller (process " + strconv.Itoa(os.Getpid()) +
		"); stop it first, or give this one another -db"
	if err.Error() != want {
		t.Errorf("second Open:\n%s\nwant\n%s", err, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := store.Open(path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}
