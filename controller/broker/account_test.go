package broker_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/protocol"
)

var (
	kiosk = broker.Account{Username: "kiosk1", Password: "pw", Centre: hcm, Device: "kiosk1"}
	ctl   = broker.Account{Username: "controller", Password: "pw", Centre: hcm}
)

func TestAllowed(t *testing.T) {
	const w, r = true, false
	cases := []struct {
		name    string
		account broker.Account
		topic   string
		write   bool
		want    bool
	}{
		// A device publishes its requests and presence, nothing else.
		{"device writes own request", kiosk, protocol.RequestTopic(hcm, "kiosk1"), w, true},
		{"device writes own presence", kiosk, protocol.PresenceTopic(hcm, "kiosk1"), w, true},
		{"device writes own reply", kiosk, protocol.ReplyTopic(hcm, "kiosk1"), w, false},
		{"device writes other's request", kiosk, protocol.RequestTopic(hcm, "kiosk2"), w, false},
		{"device writes longer id's request", kiosk, protocol.RequestTopic(hcm, "kiosk10"), w, false},
		{"device writes other's presence", kiosk, protocol.PresenceTopic(hcm, "kiosk2"), w, false},
		{"device writes other's reply", kiosk, protocol.ReplyTopic(hcm, "kiosk2"), w, false},
		{"device writes other centre", kiosk, protocol.RequestTopic(hn, "kiosk1"), w, false},
		{"device writes longer centre", kiosk, protocol.RequestTopic(hcm+"0", "kiosk1"), w, false},
		{"device writes counter state", kiosk, protocol.CounterTopic(hcm, "1"), w, false},
		{"device writes service state", kiosk, protocol.ServiceTopic(hcm, "a"), w, false},
		{"device writes board", kiosk, protocol.BoardTopic(hcm), w, false},
		{"device writes controller status", kiosk, protocol.ControllerTopic(hcm), w, false},
		{"device writes call event", kiosk, protocol.CallTopic(hcm), w, false},
		{"device writes below own request", kiosk, protocol.RequestTopic(hcm, "kiosk1") + "/x", w, false},
		{"device writes own request with slash", kiosk, protocol.RequestTopic(hcm, "kiosk1") + "/", w, false},
		{"device writes other level under own prefix", kiosk, protocol.DevicePrefix(hcm, "kiosk1") + "debug", w, false},
		{"device writes own prefix", kiosk, protocol.DevicePrefix(hcm, "kiosk1"), w, false},
		{"device writes wildcard +", kiosk, protocol.DevicePrefix(hcm, "kiosk1") + "+", w, false},
		{"device writes wildcard #", kiosk, protocol.DevicePrefix(hcm, "kiosk1") + "#", w, false},
		{"device writes leading slash", kiosk, "/" + protocol.RequestTopic(hcm, "kiosk1"), w, false},
		{"device writes other version", kiosk, "qs/v2/hcm01/dev/kiosk1/req", w, false},
		{"device writes upper case root", kiosk, "QS/v1/hcm01/dev/kiosk1/req", w, false},
		{"device writes $SYS", kiosk, "$SYS/broker/uptime", w, false},
		{"device writes empty", kiosk, "", w, false},
		{"device writes NUL", kiosk, protocol.RequestTopic(hcm, "kiosk1") + "\x00", w, false},

		// A device reads its replies and presence and the centre's state and events.
		{"device reads own reply", kiosk, protocol.ReplyTopic(hcm, "kiosk1"), r, true},
		{"device reads own presence", kiosk, protocol.PresenceTopic(hcm, "kiosk1"), r, true},
		{"device reads own request", kiosk, protocol.RequestTopic(hcm, "kiosk1"), r, false},
		{"device reads other's reply", kiosk, protocol.ReplyTopic(hcm, "kiosk2"), r, false},
		{"device reads other's presence", kiosk, protocol.PresenceTopic(hcm, "kiosk2"), r, false},
		{"device reads other's request", kiosk, protocol.RequestTopic(hcm, "kiosk2"), r, false},
		{"device reads all state", kiosk, protocol.AllState(hcm), r, true},
		{"device reads state prefix", kiosk, protocol.StatePrefix(hcm) + "+", r, true},
		{"device reads counters", kiosk, "qs/v1/hcm01/state/counter/+", r, true},
		{"device reads any state pair", kiosk, "qs/v1/hcm01/state/+/+", r, true},
		{"device reads counter", kiosk, protocol.CounterTopic(hcm, "1"), r, true},
		{"device reads service", kiosk, protocol.ServiceTopic(hcm, "a"), r, true},
		{"device reads board", kiosk, protocol.BoardTopic(hcm), r, true},
		{"device reads controller status", kiosk, protocol.ControllerTopic(hcm), r, true},
		// MQTT's state/# also matches its parent level.
		{"device reads state level", kiosk, "qs/v1/hcm01/state", r, true},
		{"device reads call event", kiosk, protocol.CallTopic(hcm), r, true},
		{"device reads all events", kiosk, protocol.EventPrefix(hcm) + "#", r, true},
		{"device reads any event", kiosk, protocol.EventPrefix(hcm) + "+", r, true},
		{"device reads centre tree", kiosk, "qs/v1/hcm01/#", r, false},
		{"device reads centre level", kiosk, "qs/v1/hcm01/+", r, false},
		{"device reads everything", kiosk, "#", r, false},
		{"device reads root", kiosk, "qs/#", r, false},
		{"device reads any root", kiosk, "+/v1/hcm01/state/#", r, false},
		{"device reads any version", kiosk, "qs/+/hcm01/state/#", r, false},
		{"device reads any centre's state", kiosk, "qs/v1/+/state/#", r, false},
		{"device reads any tree's board", kiosk, "qs/v1/hcm01/+/board", r, false},
		{"device reads every reply", kiosk, "qs/v1/hcm01/dev/+/reply", r, false},
		{"device reads every presence", kiosk, protocol.AllPresence(hcm), r, false},
		{"device reads every request", kiosk, protocol.AllRequests(hcm), r, false},
		{"device reads all own topics +", kiosk, protocol.DevicePrefix(hcm, "kiosk1") + "+", r, false},
		{"device reads all own topics #", kiosk, protocol.DevicePrefix(hcm, "kiosk1") + "#", r, false},
		{"device reads dev tree", kiosk, "qs/v1/hcm01/dev/#", r, false},
		{"device reads other centre's state", kiosk, protocol.AllState(hn), r, false},
		{"device reads other centre's call", kiosk, protocol.CallTopic(hn), r, false},
		{"device reads longer centre's state", kiosk, protocol.AllState(hcm + "0"), r, false},
		{"device reads $SYS", kiosk, "$SYS/#", r, false},
		{"device reads shared subscription", kiosk, "$share/g/" + protocol.AllState(hcm), r, false},
		{"device reads # inside", kiosk, "qs/v1/hcm01/state/#/board", r, false},
		{"device reads glued #", kiosk, "qs/v1/hcm01/state/board#", r, false},
		{"device reads glued +", kiosk, "qs/v1/hcm01/state/+board", r, false},
		{"device reads empty", kiosk, "", r, false},

		// The controller reads and writes its centre's tree and nothing else.
		{"controller writes reply", ctl, protocol.ReplyTopic(hcm, "kiosk1"), w, true},
		{"controller writes request", ctl, protocol.RequestTopic(hcm, "kiosk1"), w, true},
		{"controller writes counter", ctl, protocol.CounterTopic(hcm, "1"), w, true},
		{"controller writes status", ctl, protocol.ControllerTopic(hcm), w, true},
		{"controller writes call", ctl, protocol.CallTopic(hcm), w, true},
		{"controller writes centre level", ctl, "qs/v1/hcm01", w, true},
		{"controller writes wildcard", ctl, "qs/v1/hcm01/#", w, false},
		{"controller writes other centre", ctl, protocol.ReplyTopic(hn, "kiosk1"), w, false},
		{"controller writes longer centre", ctl, protocol.BoardTopic(hcm + "0"), w, false},
		{"controller writes $SYS", ctl, "$SYS/x", w, false},
		{"controller reads centre tree", ctl, "qs/v1/hcm01/#", r, true},
		{"controller reads all requests", ctl, protocol.AllRequests(hcm), r, true},
		{"controller reads all presence", ctl, protocol.AllPresence(hcm), r, true},
		{"controller reads request", ctl, protocol.RequestTopic(hcm, "kiosk1"), r, true},
		{"controller reads any centre", ctl, "qs/v1/+/#", r, false},
		{"controller reads other centre", ctl, "qs/v1/hn02/#", r, false},
		{"controller reads everything", ctl, "#", r, false},
		{"controller reads root", ctl, "qs/#", r, false},
		{"controller reads $SYS", ctl, "$SYS/#", r, false},

		// An invalid account may do nothing.
		{"device named after another", broker.Account{Username: "kiosk1", Password: "pw", Centre: hcm, Device: "kiosk2"},
			protocol.RequestTopic(hcm, "kiosk2"), w, false},
		{"device named after another, own name", broker.Account{Username: "kiosk1", Password: "pw", Centre: hcm, Device: "kiosk2"},
			protocol.RequestTopic(hcm, "kiosk1"), w, false},
		{"wildcard centre", broker.Account{Username: "controller", Password: "pw", Centre: "+"}, protocol.AllState(hn), r, false},
		{"wildcard centre writes", broker.Account{Username: "controller", Password: "pw", Centre: "+"}, protocol.BoardTopic(hn), w, false},
		{"empty centre", broker.Account{Username: "controller", Password: "pw"}, "qs/v1//state/board", w, false},
		{"no password", broker.Account{Username: "controller", Centre: hcm}, protocol.BoardTopic(hcm), w, false},
		{"zero account", broker.Account{}, "qs/v1/hcm01/state/board", r, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.account.Allowed(tc.topic, tc.write); got != tc.want {
				t.Errorf("%+v.Allowed(%q, write=%v) = %v, want %v", tc.account, tc.topic, tc.write, got, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name    string
		account broker.Account
		ok      bool
	}{
		{"device", kiosk, true},
		{"controller", ctl, true},
		{"empty username", broker.Account{Password: "pw", Centre: hcm}, false},
		{"username with space", broker.Account{Username: "a b", Password: "pw", Centre: hcm}, false},
		{"username with colon", broker.Account{Username: "a:b", Password: "pw", Centre: hcm}, false},
		{"username with newline", broker.Account{Username: "a\ntopic readwrite #", Password: "pw", Centre: hcm}, false},
		{"username wildcard", broker.Account{Username: "#", Password: "pw", Centre: hcm}, false},
		{"username too long", broker.Account{Username: strings.Repeat("a", 33), Password: "pw", Centre: hcm}, false},
		{"empty centre", broker.Account{Username: "c", Password: "pw"}, false},
		{"centre wildcard", broker.Account{Username: "c", Password: "pw", Centre: "#"}, false},
		{"centre with slash", broker.Account{Username: "c", Password: "pw", Centre: "hcm01/state"}, false},
		{"device not its username", broker.Account{Username: "kiosk1", Password: "pw", Centre: hcm, Device: "kiosk2"}, false},
		{"device wildcard", broker.Account{Username: "+", Password: "pw", Centre: hcm, Device: "+"}, false},
		{"empty password", broker.Account{Username: "c", Centre: hcm}, false},
		{"password with NUL", broker.Account{Username: "c", Password: "p\x00w", Centre: hcm}, false},
		{"password with colon and spaces", broker.Account{Username: "c", Password: " p:w $7$ ", Centre: hcm}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.account.Validate()
			if tc.ok && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !tc.ok && !errors.Is(err, broker.ErrAccount) {
				t.Fatalf("Validate: %v, want ErrAccount", err)
			}
		})
	}
}
