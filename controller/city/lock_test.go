package city_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/internal/lockfile"
)

// One city service alone may hold an SQLite store.
func TestOpenStoreHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "city.db")
	s, err := city.OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = city.OpenStore(path)
	if !errors.Is(err, lockfile.ErrHeld) || !strings.Contains(err.Error(), path+" is in use by another city service (process ") {
		t.Fatalf("second OpenStore: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := city.OpenStore(path)
	if err != nil {
		t.Fatalf("OpenStore after Close: %v", err)
	}
	again.Close()
}
