package centre

import (
	"testing"

	"github.com/sothutu/sothutu/protocol"
)

func TestSupersedes(t *testing.T) {
	tests := []struct {
		name  string
		known DeviceStatus
		p     protocol.Presence
		want  bool
	}{
		{"newer birth after a death", DeviceStatus{Online: false, Seq: 4}, protocol.Presence{Online: true, Seq: 5}, true},
		{"late death of an older connection", DeviceStatus{Online: true, Seq: 5}, protocol.Presence{Online: false, Seq: 4}, false},
		{"late birth of an older connection", DeviceStatus{Online: false, Seq: 5}, protocol.Presence{Online: true, Seq: 4}, false},
		{"death of the current connection", DeviceStatus{Online: true, Seq: 5}, protocol.Presence{Online: false, Seq: 5}, true},
		{"birth after the death of the same connection", DeviceStatus{Online: false, Seq: 5}, protocol.Presence{Online: true, Seq: 5}, false},
		{"birth again, new health", DeviceStatus{Online: true, Seq: 5}, protocol.Presence{Online: true, Seq: 5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := supersedes(tt.p, tt.known); got != tt.want {
				t.Errorf("supersedes = %v, want %v", got, tt.want)
			}
		})
	}
}
