package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/internal/lockfile"
)

// A city service started on an SQLite store another one holds stops at
// once, naming the file and the holder's process.
func TestSecondCityRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "city.db")
	holder, err := city.OpenStore(db)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	err = run(context.Background(), flags{db: db, broker: "tcp://127.0.0.1:1", http: ""})
	want := db + " is in use by another city service (process " + strconv.Itoa(os.Getpid()) +
		"); stop it first, or give this one another -db"
	if !errors.Is(err, lockfile.ErrHeld) || err.Error() != want {
		t.Errorf("run: %v\nwant %s", err, want)
	}
}
