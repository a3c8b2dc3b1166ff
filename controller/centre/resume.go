package centre

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// resumeStore is paho's memory store, except that Get hands out a copy of
// a stored publish.
//
// The controller keeps its session across connections (CleanSession
// false), so on every connection paho's resume takes the publishes still
// in the store and marks each as a duplicate (Dup = true) before sending it
// again. A publish the controller made as the connection came up is in the
// store and on its way out at once: paho v1.5.1 then sets Dup on the very
// packet its outgoing goroutine is writing (client.go:1114 against
// net.go:293), a data race on the packet's header. With a copy, resume
// marks and sends its own packet. The broker may receive such a publish
// twice, as it did before: QoS 1 allows it, and every reader of the
// controller's messages takes a repeat as a repeat (replies by key,
// retained states by value).
type resumeStore struct{ *mqtt.MemoryStore }

func newResumeStore() resumeStore { return resumeStore{mqtt.NewMemoryStore()} }

// Get returns the stored packet, a publish as a copy of its own.
func (s resumeStore) Get(key string) packets.ControlPacket {
	p := s.MemoryStore.Get(key)
	if publish, ok := p.(*packets.PublishPacket); ok {
		own := *publish
		return &own
	}
	return p
}
