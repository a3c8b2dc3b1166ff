package centre

import (
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// TestResumeStoreCopiesPublishes: what paho's resume marks as a duplicate
// is never the packet the controller published, nor one it sent before.
func TestResumeStoreCopiesPublishes(t *testing.T) {
	s := newResumeStore()
	s.Open()
	defer s.Close()
	published := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	published.Qos, published.MessageID, published.TopicName, published.Payload = 1, 7, "qs/v1/c/state/board", []byte("{}")
	s.Put("o.7", published)
	ack := packets.NewControlPacket(packets.Pubrel)
	s.Put("o.8", ack)

	got, ok := s.Get("o.7").(*packets.PublishPacket)
	if !ok || got == published {
		t.Fatalf("Get returned %p (%T), want a copy of %p", got, got, published)
	}
	if got.MessageID != 7 || got.TopicName != published.TopicName || string(got.Payload) != "{}" || got.Qos != 1 {
		t.Fatalf("the copy is %+v, want %+v", got, published)
	}
	got.Dup = true
	if published.Dup {
		t.Fatal("marking the copy as a duplicate marked the published packet")
	}
	published.RemainingLength = 99 // as the writer does while it sends it
	if again := s.Get("o.7").(*packets.PublishPacket); again == got || again.Dup || again.RemainingLength == 99 {
		t.Fatalf("a second Get gave %+v: the store kept a packet written to since", again)
	}
	if s.Get("o.8") != ack {
		t.Fatal("a packet other than a publish was copied")
	}
	if s.Get("o.9") != nil {
		t.Fatal("a key never stored gave a packet")
	}
}
