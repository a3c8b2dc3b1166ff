package centre

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// resumeStore is paho's memory store, except that it keeps a publish as a
// copy of its own and hands out copies of it.
//
// The controller keeps its session across connections (CleanSession
// false), so on every connection paho's resume takes the publishes still
// in the store and marks each as a duplicate (Dup = true) before sending it
// again. A publish the controller made as the connection came up is in the
// store and on its way out at once: with the store holding the packet
// being sent, paho v1.5.1 sets Dup on the very packet its outgoing
// goroutine is writing (client.go:1114 against net.go:293), and the writer
// sets the packet's length while resume reads it (packets/publish.go:46):
// data races on the packet's header. Put runs on the publishing goroutine
// before the packet is handed to the writer, so its copy is never written
// to; each Get copies that again for resume to mark and send. The broker
// may receive such a publish twice, as it did before: QoS 1 allows it,
// and every reader of the controller's messages takes a repeat as a repeat
// (replies by key, retained states by value).
type resumeStore struct{ *mqtt.MemoryStore }

func newResumeStore() resumeStore { return resumeStore{mqtt.NewMemoryStore()} }

// Put stores m, a publish as a copy.
func (s resumeStore) Put(key string, m packets.ControlPacket) {
	s.MemoryStore.Put(key, ownCopy(m))
}

// Get returns the stored packet, a publish as a copy.
func (s resumeStore) Get(key string) packets.ControlPacket {
	return ownCopy(s.MemoryStore.Get(key))
}

func ownCopy(p packets.ControlPacket) packets.ControlPacket {
	if publish, ok := p.(*packets.PublishPacket); ok {
		own := *publish
		return &own
	}
	return p
}
