package protocol_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/sothutu/sothutu/protocol"
	"github.com/sothutu/sothutu/protocol/prototest"
)

// seed adds the payloads of the table published on topics of kind, and a few
// of other kinds, which a decoder must refuse without harm.
func seed(f *testing.F, kind string) {
	for _, tb := range tables {
		for i, c := range tb.cases {
			tp, err := protocol.ParseTopic(c.Topic)
			if err != nil {
				f.Fatalf("ParseTopic(%q): %v", c.Topic, err)
			}
			if tp.Kind == kind || i == 0 {
				f.Add([]byte(c.JSON))
			}
		}
	}
}

// fuzzDecode checks that Decode never panics, refuses with one of the
// sentinels and a code a device knows, and that what it accepts encodes and
// decodes back to the same value and the same bytes.
func fuzzDecode[T protocol.Payload](f *testing.F, kind string) {
	seed(f, kind)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := protocol.Decode[T](data)
		if err != nil {
			if !errors.Is(err, protocol.ErrMalformed) && !errors.Is(err, protocol.ErrTooLarge) &&
				!errors.Is(err, protocol.ErrVersion) && !errors.Is(err, protocol.ErrInvalid) {
				t.Fatalf("Decode: error %v wraps no sentinel", err)
			}
			re := protocol.ReplyError(err)
			if !slices.Contains([]string{protocol.CodeMalformed, protocol.CodeVersion, protocol.CodeInvalid}, re.Code) {
				t.Fatalf("ReplyError(%v): code %q", err, re.Code)
			}
			if r, ok := any(&p).(*protocol.Request); ok {
				if _, err := protocol.Encode(protocol.Reply{Key: r.Key, Op: r.Op, Error: re}); err != nil {
					t.Fatalf("Encode(refusal of %q): %v", data, err)
				}
			}
			return
		}
		b, err := protocol.Encode(p)
		if err != nil {
			t.Fatalf("Decode accepted %q, Encode refuses %#v: %v", data, p, err)
		}
		q, err := protocol.Decode[T](b)
		if err != nil {
			t.Fatalf("Decode(Encode(%q)) = Decode(%q): %v", data, b, err)
		}
		if !prototest.Equal(p, q) {
			t.Fatalf("round trip of %q through %q:\n got %#v\nwant %#v", data, b, q, p)
		}
		b2, err := protocol.Encode(q)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("Encode is not canonical: %q then %q (%v)", b, b2, err)
		}
	})
}

func FuzzDecodeRequest(f *testing.F) { fuzzDecode[protocol.Request](f, protocol.KindRequest) }
func FuzzDecodeReply(f *testing.F)   { fuzzDecode[protocol.Reply](f, protocol.KindReply) }
func FuzzDecodeCounterState(f *testing.F) {
	fuzzDecode[protocol.CounterState](f, protocol.KindCounter)
}
func FuzzDecodeServiceState(f *testing.F) {
	fuzzDecode[protocol.ServiceState](f, protocol.KindService)
}
func FuzzDecodeBoardState(f *testing.F) { fuzzDecode[protocol.BoardState](f, protocol.KindBoard) }
func FuzzDecodeCall(f *testing.F)       { fuzzDecode[protocol.Call](f, protocol.KindCall) }
func FuzzDecodePresence(f *testing.F)   { fuzzDecode[protocol.Presence](f, protocol.KindPresence) }
func FuzzDecodeControllerState(f *testing.F) {
	fuzzDecode[protocol.ControllerState](f, protocol.KindController)
}

func FuzzDecodeAdviceState(f *testing.F) {
	fuzzDecode[protocol.AdviceState](f, protocol.KindAdvice)
}

func FuzzDecodeAlertState(f *testing.F) {
	fuzzDecode[protocol.AlertState](f, protocol.KindAlerts)
}

func FuzzDecodeFigures(f *testing.F) { fuzzDecode[protocol.Figures](f, protocol.KindFigures) }

func FuzzDecodeFiguresAck(f *testing.F) { fuzzDecode[protocol.FiguresAck](f, protocol.KindAck) }

// FuzzParseTopic checks that ParseTopic never panics, refuses with ErrTopic
// or ErrVersion, and accepts only what the topic functions build.
func FuzzParseTopic(f *testing.F) {
	for _, c := range prototest.Topics {
		f.Add(c.Topic)
	}
	for _, tb := range tables {
		for _, c := range tb.cases {
			f.Add(c.Topic)
		}
	}
	f.Fuzz(func(t *testing.T, topic string) {
		tp, err := protocol.ParseTopic(topic)
		if err != nil {
			if !errors.Is(err, protocol.ErrTopic) && !errors.Is(err, protocol.ErrVersion) {
				t.Fatalf("ParseTopic(%q): error %v is neither ErrTopic nor ErrVersion", topic, err)
			}
			return
		}
		if b := build(tp); b != topic {
			t.Fatalf("ParseTopic(%q) = %+v, built back as %q", topic, tp, b)
		}
	})
}
