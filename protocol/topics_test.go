package protocol_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/protocol"
	"github.com/sothutu/sothutu/protocol/prototest"
)

// build is the topic function for a parsed topic.
func build(t protocol.Topic) string {
	switch t.Kind {
	case protocol.KindRequest:
		return protocol.RequestTopic(t.Centre, t.ID)
	case protocol.KindReply:
		return protocol.ReplyTopic(t.Centre, t.ID)
	case protocol.KindPresence:
		return protocol.PresenceTopic(t.Centre, t.ID)
	case protocol.KindCounter:
		return protocol.CounterTopic(t.Centre, t.ID)
	case protocol.KindService:
		return protocol.ServiceTopic(t.Centre, t.ID)
	case protocol.KindBoard:
		return protocol.BoardTopic(t.Centre)
	case protocol.KindController:
		return protocol.ControllerTopic(t.Centre)
	case protocol.KindAdvice:
		return protocol.AdviceTopic(t.Centre)
	case protocol.KindAlerts:
		return protocol.AlertsTopic(t.Centre)
	case protocol.KindFigures:
		return protocol.FiguresTopic(t.Centre)
	case protocol.KindAck:
		return protocol.FiguresAckTopic(t.Centre)
	case protocol.KindCall:
		return protocol.CallTopic(t.Centre)
	}
	return ""
}

// matches is MQTT topic filter matching, enough for the filters here.
func matches(filter, topic string) bool {
	f, n := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, level := range f {
		if level == "#" {
			return true
		}
		if i >= len(n) || (level != "+" && level != n[i]) {
			return false
		}
	}
	return len(f) == len(n)
}

func TestTopicRoundTrip(t *testing.T) {
	const c = prototest.Centre
	for _, tt := range []struct {
		topic string
		want  protocol.Topic
	}{
		{protocol.RequestTopic(c, "kiosk-1"), protocol.Topic{Centre: c, Kind: protocol.KindRequest, ID: "kiosk-1"}},
		{protocol.ReplyTopic(c, "counter-1"), protocol.Topic{Centre: c, Kind: protocol.KindReply, ID: "counter-1"}},
		{protocol.PresenceTopic(c, "board-1"), protocol.Topic{Centre: c, Kind: protocol.KindPresence, ID: "board-1"}},
		{protocol.CounterTopic(c, "1"), protocol.Topic{Centre: c, Kind: protocol.KindCounter, ID: "1"}},
		{protocol.ServiceTopic(c, "A"), protocol.Topic{Centre: c, Kind: protocol.KindService, ID: "A"}},
		{protocol.BoardTopic(c), protocol.Topic{Centre: c, Kind: protocol.KindBoard}},
		{protocol.ControllerTopic(c), protocol.Topic{Centre: c, Kind: protocol.KindController}},
		{protocol.AdviceTopic(c), protocol.Topic{Centre: c, Kind: protocol.KindAdvice}},
		{protocol.AlertsTopic(c), protocol.Topic{Centre: c, Kind: protocol.KindAlerts}},
		{protocol.FiguresTopic(c), protocol.Topic{Centre: c, Kind: protocol.KindFigures}},
		{protocol.FiguresAckTopic(c), protocol.Topic{Centre: c, Kind: protocol.KindAck}},
		{protocol.CallTopic(c), protocol.Topic{Centre: c, Kind: protocol.KindCall}},
	} {
		got, err := protocol.ParseTopic(tt.topic)
		if err != nil {
			t.Errorf("ParseTopic(%q): %v", tt.topic, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseTopic(%q) = %+v, want %+v", tt.topic, got, tt.want)
		}
		if !strings.HasPrefix(tt.topic, "qs/v1/ninh-kieu/") {
			t.Errorf("%q is not under qs/v1/ninh-kieu/", tt.topic)
		}
	}
}

func TestTopicTable(t *testing.T) {
	for _, c := range prototest.Topics {
		t.Run(c.Name, func(t *testing.T) {
			got, err := protocol.ParseTopic(c.Topic)
			if c.Err == nil {
				if err != nil {
					t.Fatalf("ParseTopic(%q): %v", c.Topic, err)
				}
				if got != c.Want {
					t.Errorf("ParseTopic(%q) = %+v, want %+v", c.Topic, got, c.Want)
				}
				if b := build(got); b != c.Topic {
					t.Errorf("built back %q, want %q", b, c.Topic)
				}
				return
			}
			if !errors.Is(err, c.Err) {
				t.Fatalf("ParseTopic(%q): error %v, want %v", c.Topic, err, c.Err)
			}
			if c.Err == protocol.ErrTopic && errors.Is(err, protocol.ErrVersion) {
				t.Errorf("ParseTopic(%q): %v is also a version error", c.Topic, err)
			}
			if c.Field != "" {
				if re := protocol.ReplyError(err); re.Field != c.Field {
					t.Errorf("ParseTopic(%q): field %q, want %q", c.Topic, re.Field, c.Field)
				}
			}
		})
	}
}

func TestFilters(t *testing.T) {
	const c = prototest.Centre
	for _, tt := range []struct {
		filter, topic string
		want          bool
	}{
		{protocol.AllRequests(c), protocol.RequestTopic(c, "kiosk-1"), true},
		{protocol.AllRequests(c), protocol.ReplyTopic(c, "kiosk-1"), false},
		{protocol.AllRequests(c), protocol.RequestTopic("cai-rang", "kiosk-1"), false},
		{protocol.AllPresence(c), protocol.PresenceTopic(c, "counter-1"), true},
		{protocol.AllPresence(c), protocol.RequestTopic(c, "counter-1"), false},
		{protocol.AllState(c), protocol.CounterTopic(c, "1"), true},
		{protocol.AllState(c), protocol.ServiceTopic(c, "A"), true},
		{protocol.AllState(c), protocol.BoardTopic(c), true},
		{protocol.AllState(c), protocol.ControllerTopic(c), true},
		{protocol.AllState(c), protocol.CallTopic(c), false},
	} {
		if got := matches(tt.filter, tt.topic); got != tt.want {
			t.Errorf("%q matches %q: %v, want %v", tt.filter, tt.topic, got, tt.want)
		}
	}
	for _, topic := range []string{protocol.RequestTopic(c, "kiosk-1"), protocol.ReplyTopic(c, "kiosk-1"), protocol.PresenceTopic(c, "kiosk-1")} {
		if !strings.HasPrefix(topic, protocol.DevicePrefix(c, "kiosk-1")) {
			t.Errorf("%q is not under DevicePrefix", topic)
		}
		if strings.HasPrefix(topic, protocol.DevicePrefix(c, "kiosk-10")) || strings.HasPrefix(protocol.RequestTopic(c, "kiosk-10"), protocol.DevicePrefix(c, "kiosk-1")) {
			t.Errorf("DevicePrefix of kiosk-1 and kiosk-10 overlap")
		}
	}
	for _, topic := range []string{protocol.CounterTopic(c, "1"), protocol.ServiceTopic(c, "A"), protocol.BoardTopic(c), protocol.ControllerTopic(c)} {
		if !strings.HasPrefix(topic, protocol.StatePrefix(c)) {
			t.Errorf("%q is not under StatePrefix", topic)
		}
	}
	if !strings.HasPrefix(protocol.CallTopic(c), protocol.EventPrefix(c)) {
		t.Errorf("%q is not under EventPrefix", protocol.CallTopic(c))
	}
}
