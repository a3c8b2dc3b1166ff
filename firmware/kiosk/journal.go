package kiosk

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sothutu/sothutu/protocol"
)

// journal is the kiosk's durable record of offline numbering: the next
// offline number of each service today, and the offline tickets not yet
// filed by the controller. It is rewritten whole, atomically, and synced
// before a ticket it names is printed.
type journal struct {
	path  string
	state journalState
}

type journalState struct {
	Day     string             `json:"day"`
	Next    map[string]int     `json:"next"`    // service: next running number
	Pending []protocol.Request `json:"pending"` // offline_ticket requests not yet answered
}

func openJournal(dir string) (*journal, error) {
	j := &journal{path: filepath.Join(dir, "journal.json")}
	b, err := os.ReadFile(j.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		j.state.Next = map[string]int{}
		return j, nil
	case err != nil:
		return nil, fmt.Errorf("read journal: %w", err)
	}
	if err := json.Unmarshal(b, &j.state); err != nil {
		return nil, fmt.Errorf("journal %s is damaged: %w", j.path, err)
	}
	if j.state.Next == nil {
		j.state.Next = map[string]int{}
	}
	return j, nil
}

// take reserves the next number of service in block on day, durably.
func (j *journal) take(day, service string, block Block) (int, error) {
	if j.state.Day != day {
		j.state.Day, j.state.Next = day, map[string]int{}
	}
	n := max(j.state.Next[service], block.From)
	if n > block.To {
		return 0, fmt.Errorf("%w: %d-%d all used today for service %s", ErrOfflineBlockFull, block.From, block.To, service)
	}
	j.state.Next[service] = n + 1
	return n, j.save()
}

func (j *journal) add(req protocol.Request) error {
	j.state.Pending = append(j.state.Pending, req)
	return j.save()
}

func (j *journal) done(key string) error {
	for i, r := range j.state.Pending {
		if r.Key == key {
			j.state.Pending = append(j.state.Pending[:i], j.state.Pending[i+1:]...)
			return j.save()
		}
	}
	return nil
}

func (j *journal) pending() []protocol.Request {
	return append([]protocol.Request(nil), j.state.Pending...)
}

func (j *journal) save() error {
	b, err := json.Marshal(j.state)
	if err != nil {
		return fmt.Errorf("encode journal: %w", err)
	}
	return writeFileSync(j.path, b)
}

// writeFileSync replaces path with data so that a crash leaves the old or
// the new content, never a mix: write a temporary file, sync, rename, sync
// the folder.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("sync folder of %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder of %s: %w", path, err)
	}
	return nil
}
