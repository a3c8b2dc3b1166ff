package protocol

import (
	"fmt"
	"strconv"
	"strings"
)

// The topic tree of one centre, with <c> the centre id and <d> a device id:
//
//	qs/v1/<c>/dev/<d>/req          device → controller: requests (QoS 1)
//	qs/v1/<c>/dev/<d>/reply        controller → device: replies (QoS 1)
//	qs/v1/<c>/dev/<d>/presence     device birth and last will (retained)
//	qs/v1/<c>/state/counter/<id>   counter state (retained)
//	qs/v1/<c>/state/service/<id>   service queue state (retained)
//	qs/v1/<c>/state/board          hall board: current and recent calls (retained)
//	qs/v1/<c>/state/controller     controller status and last will (retained)
//	qs/v1/<c>/state/advice         counter moves advised to the manager (retained)
//	qs/v1/<c>/state/alerts         open alerts (retained)
//	qs/v1/<c>/event/call           call events for displays and voice (QoS 1)
//	qs/v1/<c>/up/figures           figures records, on the city's broker (QoS 1)
//	qs/v1/<c>/up/ack               the city's acknowledgements (QoS 1)
//
// A device may publish only under its own qs/v1/<c>/dev/<d>/ and may read
// that and the centre's state/ and event/ trees.
//
// The functions below do not check their arguments: pass ids that CheckID
// accepts, or the topic will not parse back.

// Topic kinds, the result of ParseTopic.
const (
	KindRequest    = "req"
	KindReply      = "reply"
	KindPresence   = "presence"
	KindCounter    = "counter"
	KindService    = "service"
	KindBoard      = "board"
	KindController = "controller"
	KindAdvice     = "advice"
	KindAlerts     = "alerts"
	KindCall       = "call"
)

func prefix(centre string) string {
	return Root + "/v" + strconv.Itoa(Version) + "/" + centre
}

// DevicePrefix is the topic prefix a device owns: it may publish only below it.
func DevicePrefix(centre, device string) string {
	return prefix(centre) + "/dev/" + device + "/"
}

// RequestTopic is where a device publishes its requests.
func RequestTopic(centre, device string) string {
	return DevicePrefix(centre, device) + KindRequest
}

// ReplyTopic is where the controller answers a device.
func ReplyTopic(centre, device string) string {
	return DevicePrefix(centre, device) + KindReply
}

// PresenceTopic holds a device's retained birth, or its last will.
func PresenceTopic(centre, device string) string {
	return DevicePrefix(centre, device) + KindPresence
}

// CounterTopic holds a counter's retained state.
func CounterTopic(centre, counter string) string {
	return prefix(centre) + "/state/counter/" + counter
}

// ServiceTopic holds a service queue's retained state.
func ServiceTopic(centre, service string) string {
	return prefix(centre) + "/state/service/" + service
}

// BoardTopic holds the hall board's retained state.
func BoardTopic(centre string) string { return prefix(centre) + "/state/board" }

// ControllerTopic holds the controller's retained status and its last will.
func ControllerTopic(centre string) string { return prefix(centre) + "/state/controller" }

// AdviceTopic holds the controller's retained advice to the manager: which
// counters to move to which services.
func AdviceTopic(centre string) string { return prefix(centre) + "/state/advice" }

// AlertsTopic holds the controller's retained list of open alerts, for the
// manager's pages and other systems.
func AlertsTopic(centre string) string { return prefix(centre) + "/state/alerts" }

// CallTopic carries call events, one message per call or call again.
func CallTopic(centre string) string { return prefix(centre) + "/event/call" }

// Subscription filters.

// AllRequests matches the requests of every device of a centre.
func AllRequests(centre string) string { return prefix(centre) + "/dev/+/" + KindRequest }

// AllPresence matches the presence of every device of a centre.
func AllPresence(centre string) string { return prefix(centre) + "/dev/+/" + KindPresence }

// AllState matches every retained state topic of a centre.
func AllState(centre string) string { return prefix(centre) + "/state/#" }

// StatePrefix is the prefix of the retained state topics every device may read.
func StatePrefix(centre string) string { return prefix(centre) + "/state/" }

// EventPrefix is the prefix of the event topics every device may read.
func EventPrefix(centre string) string { return prefix(centre) + "/event/" }

// Topic is a parsed topic name.
type Topic struct {
	Centre string
	Kind   string // one of the Kind constants
	ID     string // device, counter or service id; empty for board, controller, call
}

// topicShape is one topic below a centre's prefix: its levels, with "+"
// where the id stands.
type topicShape struct {
	levels []string
	kind   string
	// idField names the id in errors, "" when the topic has none.
	idField string
}

// topicShapes are the topics ParseTopic knows.
var topicShapes = []topicShape{
	{[]string{"dev", "+", KindRequest}, KindRequest, "device"},
	{[]string{"dev", "+", KindReply}, KindReply, "device"},
	{[]string{"dev", "+", KindPresence}, KindPresence, "device"},
	{[]string{"state", KindCounter, "+"}, KindCounter, KindCounter},
	{[]string{"state", KindService, "+"}, KindService, KindService},
	{[]string{"state", KindBoard}, KindBoard, ""},
	{[]string{"state", KindController}, KindController, ""},
	{[]string{"state", KindAdvice}, KindAdvice, ""},
	{[]string{"state", KindAlerts}, KindAlerts, ""},
	{[]string{"event", KindCall}, KindCall, ""},
	{[]string{"up", KindFigures}, KindFigures, ""},
	{[]string{"up", KindAck}, KindAck, ""},
}

// match reports whether levels are of this shape, and the id they hold.
func (s topicShape) match(levels []string) (id string, ok bool) {
	if len(levels) != len(s.levels) {
		return "", false
	}
	for i, want := range s.levels {
		switch {
		case want == "+":
			id = levels[i]
		case levels[i] != want:
			return "", false
		}
	}
	return id, true
}

// ParseTopic splits a topic of this protocol version into its parts. A topic
// of another version ("qs/v2/...") is ErrVersion; any other topic it does not
// know, or one whose ids are not valid (wildcards, empty levels), is ErrTopic.
func ParseTopic(topic string) (Topic, error) {
	parts := strings.Split(topic, "/")
	if len(parts) < 2 || parts[0] != Root {
		return Topic{}, fmt.Errorf("%w: topic %q is not under %s/", ErrTopic, topic, Root)
	}
	if err := checkVersionLevel(topic, parts[1]); err != nil {
		return Topic{}, err
	}
	if len(parts) < 4 {
		return Topic{}, fmt.Errorf("%w: unknown topic %q", ErrTopic, topic)
	}
	t := Topic{Centre: parts[2]}
	if err := CheckID("centre", t.Centre); err != nil {
		return Topic{}, fmt.Errorf("%w: %w", ErrTopic, err)
	}
	for _, shape := range topicShapes {
		id, ok := shape.match(parts[3:])
		if !ok {
			continue
		}
		t.Kind, t.ID = shape.kind, id
		if shape.idField != "" {
			if err := CheckID(shape.idField, id); err != nil {
				return Topic{}, fmt.Errorf("%w: %w", ErrTopic, err)
			}
		}
		return t, nil
	}
	return Topic{}, fmt.Errorf("%w: unknown topic %q", ErrTopic, topic)
}

// checkVersionLevel checks a topic's second level: this version's "v1",
// another version's "v2", or no version at all.
func checkVersionLevel(topic, level string) error {
	if level == "v"+strconv.Itoa(Version) {
		return nil
	}
	if n, ok := strings.CutPrefix(level, "v"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
		return fmt.Errorf("%w: topic %q is protocol %s, this side speaks v%d", ErrVersion, topic, level, Version)
	}
	return fmt.Errorf("%w: topic %q has no version level after %s/", ErrTopic, topic, Root)
}
