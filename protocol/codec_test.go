package protocol_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/protocol"
	"github.com/sothutu/sothutu/protocol/prototest"
)

// tables are the payload tables of prototest, by name.
var tables = []struct {
	name  string
	cases []prototest.Case
}{
	{"Requests", prototest.Requests},
	{"Replies", prototest.Replies},
	{"States", prototest.States},
	{"Presences", prototest.Presences},
	{"Calls", prototest.Calls},
	{"Upstream", prototest.Upstream},
}

// decodeAs decodes data as the payload published on a topic of this kind.
func decodeAs(kind string, data []byte) (any, error) {
	switch kind {
	case protocol.KindRequest:
		return protocol.Decode[protocol.Request](data)
	case protocol.KindReply:
		return protocol.Decode[protocol.Reply](data)
	case protocol.KindPresence:
		return protocol.Decode[protocol.Presence](data)
	case protocol.KindCounter:
		return protocol.Decode[protocol.CounterState](data)
	case protocol.KindService:
		return protocol.Decode[protocol.ServiceState](data)
	case protocol.KindBoard:
		return protocol.Decode[protocol.BoardState](data)
	case protocol.KindController:
		return protocol.Decode[protocol.ControllerState](data)
	case protocol.KindAdvice:
		return protocol.Decode[protocol.AdviceState](data)
	case protocol.KindAlerts:
		return protocol.Decode[protocol.AlertState](data)
	case protocol.KindFigures:
		return protocol.Decode[protocol.Figures](data)
	case protocol.KindAck:
		return protocol.Decode[protocol.FiguresAck](data)
	case protocol.KindCall:
		return protocol.Decode[protocol.Call](data)
	}
	return nil, fmt.Errorf("no payload on %s topics", kind)
}

// encodeAny encodes a payload held in an interface.
func encodeAny(v any) ([]byte, error) {
	switch p := v.(type) {
	case protocol.Request:
		return protocol.Encode(p)
	case protocol.Reply:
		return protocol.Encode(p)
	case protocol.AdviceState:
		return protocol.Encode(p)
	case protocol.AlertState:
		return protocol.Encode(p)
	case protocol.Figures:
		return protocol.Encode(p)
	case protocol.FiguresAck:
		return protocol.Encode(p)
	case protocol.Presence:
		return protocol.Encode(p)
	case protocol.CounterState:
		return protocol.Encode(p)
	case protocol.ServiceState:
		return protocol.Encode(p)
	case protocol.BoardState:
		return protocol.Encode(p)
	case protocol.ControllerState:
		return protocol.Encode(p)
	case protocol.Call:
		return protocol.Encode(p)
	}
	return nil, fmt.Errorf("%T is not a payload", v)
}

func kindOf(t *testing.T, topic string) string {
	t.Helper()
	tp, err := protocol.ParseTopic(topic)
	if err != nil {
		t.Fatalf("ParseTopic(%q): %v", topic, err)
	}
	return tp.Kind
}

// TestTables checks that the table itself is consistent.
func TestTables(t *testing.T) {
	for _, tb := range tables {
		names := map[string]bool{}
		for _, c := range tb.cases {
			if names[c.Name] {
				t.Errorf("%s: two cases named %q", tb.name, c.Name)
			}
			names[c.Name] = true
			kindOf(t, c.Topic)
			switch {
			case c.Err == nil && c.Want == nil:
				t.Errorf("%s/%s: neither Want nor Err", tb.name, c.Name)
			case c.Err != nil && c.Want != nil:
				t.Errorf("%s/%s: both Want and Err", tb.name, c.Name)
			case c.Err != nil && c.Code == "":
				t.Errorf("%s/%s: an invalid case needs the Code of its refusal", tb.name, c.Name)
			case c.Err == nil && c.Field != "":
				t.Errorf("%s/%s: Field without Err", tb.name, c.Name)
			}
		}
	}
}

// TestRequestKeys checks that a controller sent every request of the table
// sees each key once.
func TestRequestKeys(t *testing.T) {
	seen := map[string]string{}
	for _, c := range prototest.Requests {
		req, _ := protocol.Decode[protocol.Request]([]byte(c.JSON))
		if req.Key == "" {
			continue
		}
		if other, ok := seen[req.Key]; ok {
			t.Errorf("%s and %s share the key %q", other, c.Name, req.Key)
		}
		seen[req.Key] = c.Name
	}
}

func TestEncode(t *testing.T) {
	for _, tb := range tables {
		for _, c := range tb.cases {
			if c.Want == nil {
				continue
			}
			t.Run(tb.name+"/"+c.Name, func(t *testing.T) {
				got, err := encodeAny(c.Want)
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				if string(got) != c.JSON {
					t.Errorf("Encode:\n got %s\nwant %s", got, c.JSON)
				}
			})
		}
	}
}

func TestDecode(t *testing.T) {
	for _, tb := range tables {
		for _, c := range tb.cases {
			t.Run(tb.name+"/"+c.Name, func(t *testing.T) {
				got, err := decodeAs(kindOf(t, c.Topic), []byte(c.JSON))
				if c.Err == nil {
					if err != nil {
						t.Fatalf("Decode: %v", err)
					}
					if !prototest.Equal(got, c.Want) {
						t.Errorf("Decode:\n got %#v\nwant %#v", got, c.Want)
					}
					return
				}
				if !errors.Is(err, c.Err) {
					t.Fatalf("Decode: error %v, want %v", err, c.Err)
				}
				re := protocol.ReplyError(err)
				if re.Code != c.Code || re.Field != c.Field {
					t.Errorf("ReplyError(%v) = code %q field %q, want code %q field %q", err, re.Code, re.Field, c.Code, c.Field)
				}
				if re.Message == "" {
					t.Errorf("ReplyError(%v) has no message", err)
				}
			})
		}
	}
}

// TestRefusal answers every invalid request the way a controller does and
// checks that the reply can be sent and names the request when it can.
func TestRefusal(t *testing.T) {
	for _, c := range prototest.Requests {
		if c.Err == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			req, err := protocol.Decode[protocol.Request]([]byte(c.JSON))
			if err == nil {
				t.Fatal("Decode: no error")
			}
			if req.Service != "" || req.Counter != "" || req.Reason != "" || req.V != 0 {
				t.Errorf("Decode returned more than the key and op: %+v", req)
			}
			// The key, as a lenient reader sees it.
			var loose struct {
				Key any `json:"key"`
			}
			_ = json.Unmarshal([]byte(c.JSON), &loose)
			wantKey, _ := loose.Key.(string)
			if len(c.JSON) > protocol.MaxPayload || len(wantKey) > 64 || strings.ContainsAny(wantKey, " ") {
				wantKey = ""
			}
			if req.Key != wantKey {
				t.Errorf("key %q, want %q", req.Key, wantKey)
			}
			b, err := protocol.Encode(protocol.Reply{Key: req.Key, Op: req.Op, Error: protocol.ReplyError(err)})
			if err != nil {
				t.Fatalf("Encode(refusal): %v", err)
			}
			r, err := protocol.Decode[protocol.Reply](b)
			if err != nil {
				t.Fatalf("Decode(%s): %v", b, err)
			}
			if r.Error.Code != c.Code || r.Error.Field != c.Field {
				t.Errorf("refusal %s, want code %q field %q", b, c.Code, c.Field)
			}
		})
	}
}

func TestVersionErrorNamesBoth(t *testing.T) {
	req, err := protocol.Decode[protocol.Request]([]byte(`{"v":2,"key":"k","op":"ticket"}`))
	re := protocol.ReplyError(err)
	if re.Code != protocol.CodeVersion || !strings.Contains(re.Message, "2") || !strings.Contains(re.Message, fmt.Sprint(protocol.Version)) {
		t.Errorf("ReplyError = %+v, want code version naming 2 and %d", re, protocol.Version)
	}
	// The key is echoed, the op is not: it may mean something else in v2.
	if req.Key != "k" || req.Op != "" {
		t.Errorf("refused request keeps key %q and op %q, want \"k\" and \"\"", req.Key, req.Op)
	}
}

// The version need not come first: "v" is read wherever it stands.
func TestVersionAnywhere(t *testing.T) {
	req, err := protocol.Decode[protocol.Request]([]byte(`{"key":"k","op":"ticket","service":"A","v":1}`))
	if err != nil || req.Key != "k" || req.Service != "A" {
		t.Errorf("Decode with v last = %+v, %v", req, err)
	}
}

func TestEncodeStampsVersion(t *testing.T) {
	b, err := protocol.Encode(protocol.Call{Ticket: "A023", Service: "A", Counter: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"v":1,`)) {
		t.Errorf("Encode = %s, want v 1", b)
	}
}

// TestEncodeKeepsInput checks that stamping nested payloads copies them.
func TestEncodeKeepsInput(t *testing.T) {
	calls := []protocol.Call{{Ticket: "A023", Service: "A", Counter: "1"}}
	cs := &protocol.CounterState{Counter: "1", Status: protocol.CounterIdle}
	if _, err := protocol.Encode(protocol.BoardState{Recent: calls}); err != nil {
		t.Fatal(err)
	}
	if _, err := protocol.Encode(protocol.Reply{Key: "k", Op: protocol.OpResume, OK: true, Counter: cs}); err != nil {
		t.Fatal(err)
	}
	if calls[0].V != 0 || cs.V != 0 {
		t.Errorf("Encode changed its input: call v %d, counter v %d", calls[0].V, cs.V)
	}
}

func TestEncodeRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		enc  func() ([]byte, error)
		err  error
	}{
		{"request without key", func() ([]byte, error) {
			return protocol.Encode(protocol.Request{Op: protocol.OpTicket, Service: "A"})
		}, protocol.ErrInvalid},
		{"ok reply without op", func() ([]byte, error) {
			return protocol.Encode(protocol.Reply{Key: "k", OK: true})
		}, protocol.ErrInvalid},
		{"presence too large", func() ([]byte, error) {
			return protocol.Encode(protocol.Presence{Device: "kiosk-1", Kind: protocol.DeviceKiosk,
				Health: &protocol.Health{Status: protocol.HealthFault, LastError: strings.Repeat("Lỗi máy in. ", 1000)}})
		}, protocol.ErrTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.enc(); !errors.Is(err, tt.err) {
				t.Errorf("Encode: error %v, want %v", err, tt.err)
			}
		})
	}
}

// TestLargestBoard checks that any valid board fits in MaxPayload: the
// controller can always publish it.
func TestLargestBoard(t *testing.T) {
	far := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -(23*3600+59*60)))
	call := protocol.Call{
		Ticket:  strings.Repeat("9", 12),
		Service: strings.Repeat("s", 32),
		Counter: strings.Repeat("c", 32),
		At:      far,
		Repeat:  math.MaxInt, // the longest Repeat: a valid one is not negative
	}
	var calls []protocol.Call
	for range protocol.MaxBoardCalls {
		calls = append(calls, call)
	}
	b, err := protocol.Encode(protocol.BoardState{Current: calls, Recent: calls, At: far})
	if err != nil {
		t.Fatalf("Encode(largest board): %v", err)
	}
	t.Logf("largest board: %d bytes of %d", len(b), protocol.MaxPayload)
}

// TestDecodeRefusesWhatEncodeCannot checks that a payload that grows past
// MaxPayload when encoded is refused: U+2028 takes 3 bytes raw, 6 escaped.
func TestDecodeRefusesWhatEncodeCannot(t *testing.T) {
	head := `{"v":1,"device":"kiosk-1","kind":"kiosk","online":true,"seq":1,"firmware":"`
	data := head + strings.Repeat("\u2028", (protocol.MaxPayload-len(head)-2)/3) + `"}`
	if _, err := protocol.Decode[protocol.Presence]([]byte(data)); !errors.Is(err, protocol.ErrTooLarge) {
		t.Errorf("Decode: error %v, want ErrTooLarge", err)
	}
}

func TestReplyErrorKeepsError(t *testing.T) {
	e := &protocol.Error{Code: protocol.CodeNoTicket, Message: "no current ticket"}
	if got := protocol.ReplyError(fmt.Errorf("engine.CallNext: %w", e)); got != e {
		t.Errorf("ReplyError = %+v, want %+v", got, e)
	}
	if got := protocol.ReplyError(errors.New("disk full")); got.Code != protocol.CodeInternal {
		t.Errorf("ReplyError(other) code %q, want internal", got.Code)
	}
}
