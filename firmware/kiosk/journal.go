package kiosk

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// journal is the kiosk's durable record of every ticket on its way to a
// citizen, online or offline, and of offline numbering (the next offline
// number of each service today). It is rewritten whole, atomically, and
// synced at every step, so that a power cut at any moment leaves an entry
// the next start can finish: a request sent, a ticket answered, a ticket
// printed, a confirmation acknowledged.
type journal struct {
	path string

	mu    sync.Mutex // guards state and the file
	state journalState
}

type journalState struct {
	Day     string         `json:"day"`
	Next    map[string]int `json:"next"` // service: next running number
	Entries []entry        `json:"entries,omitempty"`
	// Pending is what an older kiosk kept: offline_ticket requests not yet
	// answered. It is read once into Entries.
	Pending []protocol.Request `json:"pending,omitempty"`
}

// entry is one ticket on its way. Its steps, each written before the next
// begins: the request (Key, Service, Priority, Lang, Started) before it is
// first sent; Ticket once the controller answered (or the kiosk numbered
// it offline), with Tries counting the print attempts begun; Printed once
// the printer took the whole ticket. The entry is removed once the
// controller acknowledged the confirmation (printed, offline_ticket or
// void).
type entry struct {
	Key      string            `json:"key"`
	Service  string            `json:"service"`
	Priority protocol.Priority `json:"priority,omitempty"`
	Lang     string            `json:"lang"`
	Started  time.Time         `json:"started"`
	Ticket   *protocol.Ticket  `json:"ticket,omitempty"`
	Name     string            `json:"name,omitempty"` // the service's name printed
	Offline  bool              `json:"offline,omitempty"`
	Replaces string            `json:"replaces,omitempty"` // offline: the request given up
	Tries    int               `json:"tries,omitempty"`
	Printed  bool              `json:"printed,omitempty"`
	// Void: the kiosk gave up printing it and tells the controller so.
	Void string `json:"void,omitempty"`
}

// issued is the entry as the kiosk reports it.
func (e entry) issued() Issued {
	is := Issued{Name: e.Name, Offline: e.Offline, Printed: e.Printed}
	if e.Ticket != nil {
		is.Ticket = *e.Ticket
	}
	return is
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
		return nil, fmt.Errorf("journal %s is damaged (move it aside to start afresh; its tickets are then lost): %w", j.path, err)
	}
	if j.state.Next == nil {
		j.state.Next = map[string]int{}
	}
	for _, r := range j.state.Pending {
		// An older kiosk printed before it handed over: only the hand-over
		// is left to do.
		t := protocol.Ticket{Number: r.Ticket, Service: r.Service, Priority: r.Priority, Lang: r.Lang,
			Issued: r.Issued, Day: r.Issued.Format(time.DateOnly)}
		j.state.Entries = append(j.state.Entries, entry{Key: r.Key, Service: r.Service, Priority: r.Priority,
			Lang: r.Lang, Started: r.Issued, Ticket: &t, Offline: true, Replaces: r.Replaces, Tries: 1, Printed: true})
	}
	j.state.Pending = nil
	return j, nil
}

// take reserves the next number of service in block on day, durably.
func (j *journal) take(day, service string, block Block) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
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

// put adds e, or replaces the entry with its key, and removes the entry
// with key drop if any, in one durable write.
func (j *journal) put(e entry, drop string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if drop != "" {
		j.state.Entries = slices.DeleteFunc(j.state.Entries, func(x entry) bool { return x.Key == drop })
	}
	if i := slices.IndexFunc(j.state.Entries, func(x entry) bool { return x.Key == e.Key }); i >= 0 {
		j.state.Entries[i] = e
	} else {
		j.state.Entries = append(j.state.Entries, e)
	}
	return j.save()
}

// remove drops the entry with key, durably.
func (j *journal) remove(key string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := len(j.state.Entries)
	j.state.Entries = slices.DeleteFunc(j.state.Entries, func(x entry) bool { return x.Key == key })
	if len(j.state.Entries) == n {
		return nil
	}
	return j.save()
}

// get returns the entry with key.
func (j *journal) get(key string) (entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	i := slices.IndexFunc(j.state.Entries, func(x entry) bool { return x.Key == key })
	if i < 0 {
		return entry{}, false
	}
	return j.state.Entries[i], true
}

// entries returns a copy of the entries, oldest first.
func (j *journal) entries() []entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.state.Entries)
}

// unprinted returns the entries with a ticket not printed and not given
// up, oldest first.
func (j *journal) unprinted() []entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []entry
	for _, e := range j.state.Entries {
		if e.Ticket != nil && !e.Printed && e.Void == "" {
			out = append(out, e)
		}
	}
	return out
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
