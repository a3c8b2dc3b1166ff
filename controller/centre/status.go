package centre

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// DeviceStatus is what the controller knows of a device's presence.
type DeviceStatus struct {
	Device   string              `json:"device"`
	Kind     protocol.DeviceKind `json:"kind"`
	Online   bool                `json:"online"`
	Seq      uint64              `json:"seq"`
	Firmware string              `json:"firmware,omitempty"`
	Health   *protocol.Health    `json:"health,omitempty"`
	Since    time.Time           `json:"since"`
}

// presence records a birth or a last will, unless an equal or newer
// connection of the device was seen already: a late will of an old
// connection must not mark a live device offline.
func (c *Controller) presence(device string, payload []byte) {
	if len(payload) == 0 {
		return // a cleared retained message
	}
	p, err := protocol.Decode[protocol.Presence](payload)
	if err != nil || p.Device != device {
		c.reject("bad presence", device, err)
		return
	}
	if _, ok := c.centre.Device(device); !ok {
		c.reject("presence of unknown device", device, nil)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, seen := c.devices[device]
	if seen && !supersedes(p, old) {
		return
	}
	c.devices[device] = DeviceStatus{Device: device, Kind: p.Kind, Online: p.Online, Seq: p.Seq,
		Firmware: p.Firmware, Health: p.Health, Since: c.now()}
	if seen && old.Online != p.Online {
		c.log.Info("device presence", "device", device, "online", p.Online, "seq", p.Seq)
	}
	c.watchers.notify()
}

// supersedes reports whether presence p replaces what is known: a higher
// connection sequence wins, and within one connection its death wins over
// its birth, whatever order they arrive in.
func supersedes(p protocol.Presence, known DeviceStatus) bool {
	if p.Seq != known.Seq {
		return p.Seq > known.Seq
	}
	return !p.Online || known.Online
}

// Connected reports whether the controller is connected to its broker now.
func (c *Controller) Connected() bool {
	cl := c.live.Load()
	return cl != nil && (*cl).IsConnectionOpen()
}

// Devices returns the presence of every device heard from.
func (c *Controller) Devices() map[string]DeviceStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]DeviceStatus, len(c.devices))
	for k, v := range c.devices {
		out[k] = v
	}
	return out
}

// Status is the controller's state as the status endpoint shows it.
type Status struct {
	Centre    string                  `json:"centre"`
	Version   string                  `json:"version,omitempty"`
	Started   time.Time               `json:"started"`
	Connected bool                    `json:"connected"`
	Totals    engine.Totals           `json:"totals"`
	Services  []protocol.ServiceState `json:"services"`
	Counters  []protocol.CounterState `json:"counters"`
	Devices   []DeviceStatus          `json:"devices"`
	Rejected  int                     `json:"rejected"`
}

func (c *Controller) snapshot() Status {
	now := c.now()
	s := Status{Centre: c.centre.ID, Version: c.opts.Version, Started: c.started,
		Connected: c.Connected(), Totals: c.engine.Totals()}
	for _, id := range c.engine.Services() {
		s.Services = append(s.Services, c.engine.ServiceState(id, now))
	}
	for _, id := range c.engine.Counters() {
		s.Counters = append(s.Counters, c.engine.CounterState(id))
	}
	c.mu.Lock()
	s.Rejected = c.rejected
	c.mu.Unlock()
	s.Devices = c.deviceList()
	return s
}

// deviceList is the presence of every device of the configuration, in its
// order; one never heard of is offline since the zero time.
func (c *Controller) deviceList() []DeviceStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]DeviceStatus, 0, len(c.centre.Devices))
	for _, d := range c.centre.Devices {
		if ds, ok := c.devices[d.ID]; ok {
			out = append(out, ds)
		} else {
			out = append(out, DeviceStatus{Device: d.ID, Kind: d.Kind})
		}
	}
	return out
}

// Status asks the writer for the current state.
func (c *Controller) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.read(ctx, func() { s = c.snapshot() })
	return s, err
}

// read runs f on the writer, which owns the engine, and waits for it.
func (c *Controller) read(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case c.reads <- func() { f(); close(done) }:
	case <-c.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP serves the status as JSON.
func (c *Controller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	s, err := c.Status(ctx)
	if err != nil {
		http.Error(w, "controller busy or stopped: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(s)
}
