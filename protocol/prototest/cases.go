// Package prototest holds the one table of wire test cases of the protocol:
// raw payloads exactly as they travel, next to the value they decode to or the
// error they must be refused with. The protocol's encode, decode and fuzz
// tests, the controller's tests and the devices' tests all read it, so that
// they agree on what is on the wire.
//
// A valid case's JSON is canonical (what protocol.Encode produces), so an
// encode test compares bytes. An invalid case names the sentinel error
// (errors.Is), and the code and field of the error a controller's reply to it
// must carry.
//
// Every case has a Topic: where it is published (the case's payload type
// follows from the topic's kind), for a centre set up like the controller's
// example configuration:
//
//	centre    ninh-kieu
//	kiosk-1   a kiosk
//	counter-1 a counter terminal bound to counter "1"
//	board-1   a hall board
//	services  A (land), B (civil status), C, D (business registration),
//	          E (judicial records), F
//	counters  1 to 8; counter 1 serves A, then B
package prototest

import (
	"reflect"
	"strings"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// Case is one payload on the wire.
type Case struct {
	Name  string
	Desc  string
	Topic string // where it is published; its kind gives the payload type
	JSON  string // raw payload, exactly as on the wire
	// Want is the decoded value (protocol.Request{...}, protocol.Reply{...},
	// ...) for a valid case, nil for an invalid one.
	Want any
	// Err is the sentinel error (protocol.ErrMalformed, ErrVersion,
	// ErrInvalid, ErrTooLarge, ErrTopic) an invalid case is refused with.
	Err error
	// Code is the error code a controller's reply must carry. It is set for
	// every invalid case, and for a few valid requests the controller must
	// refuse whatever its state (a counter terminal naming another counter).
	// Empty means no refusal that the table can predict: a valid request may
	// still be answered no_ticket, conflict and so on.
	Code string
	// Field is the field the error names, "" when it names none.
	Field string
}

// The centre and devices of the cases.
const (
	Centre        = "ninh-kieu"
	Kiosk         = "kiosk-1"
	CounterDevice = "counter-1"
	Board         = "board-1"
	Counter       = "1" // the counter CounterDevice is bound to
)

var (
	ict = time.FixedZone("ICT", 7*60*60) // Asia/Ho_Chi_Minh, UTC+7

	kioskReq    = protocol.RequestTopic(Centre, Kiosk)
	counterReq  = protocol.RequestTopic(Centre, CounterDevice)
	kioskReply  = protocol.ReplyTopic(Centre, Kiosk)
	counterRepl = protocol.ReplyTopic(Centre, CounterDevice)
	callTopic   = protocol.CallTopic(Centre)
	boardTopic  = protocol.BoardTopic(Centre)
)

func at(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, ict) }

// A pause reason of 201 bytes but only 67 letters: the limit is in bytes.
var longReason = strings.Repeat("ữ", 67)

// A payload one byte over protocol.MaxPayload.
var oversized = func() string {
	head := `{"v":1,"key":"counter-1-0040","op":"pause","reason":"`
	tail := `"}`
	return head + strings.Repeat("x", protocol.MaxPayload+1-len(head)-len(tail)) + tail
}()

// Requests are what devices publish on their request topic. Ticket requests
// come from Kiosk, counter commands from CounterDevice. Every key is distinct,
// so a controller may be sent the whole table without tripping its
// idempotency.
var Requests = []Case{
	// Valid: every op.
	{
		Name:  "ticket",
		Desc:  "The least a kiosk sends for a ticket: service only.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","service":"A"}`,
		Want:  protocol.Request{V: 1, Key: "kiosk-1-0001", Op: protocol.OpTicket, Service: "A"},
	},
	{
		Name:  "offline ticket",
		Desc:  "A kiosk hands over A901, printed from its offline block at 08:15, after giving up on request kiosk-1-0200.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0201","op":"offline_ticket","service":"A","ticket":"A901","issued":"2026-11-23T08:15:00+07:00","replaces":"kiosk-1-0200"}`,
		Want: protocol.Request{V: 1, Key: "kiosk-1-0201", Op: protocol.OpOfflineTicket, Service: "A", Ticket: "A901",
			Issued: at(8, 15, 0), Replaces: "kiosk-1-0200"},
	},
	{
		Name:  "offline ticket without issue time",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0202","op":"offline_ticket","service":"A","ticket":"A902"}`,
		Err:   protocol.ErrInvalid, Code: protocol.CodeInvalid, Field: "issued",
	},
	{
		Name:  "offline ticket without number",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0203","op":"offline_ticket","service":"A","issued":"2026-11-23T08:15:00+07:00"}`,
		Err:   protocol.ErrInvalid, Code: protocol.CodeInvalid, Field: "ticket",
	},
	{
		Name:  "issue time on an online ticket",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0204","op":"ticket","service":"A","issued":"2026-11-23T08:15:00+07:00"}`,
		Err:   protocol.ErrInvalid, Code: protocol.CodeInvalid, Field: "issued",
	},
	{
		Name:  "ticket held",
		Desc:  "A kiosk that will confirm the print: the ticket is held, never called, until printed.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0300","op":"ticket","service":"A","hold":true}`,
		Want:  protocol.Request{V: 1, Key: "kiosk-1-0300", Op: protocol.OpTicket, Service: "A", Hold: true},
	},
	{
		Name:  "printed",
		Desc:  "The kiosk printed A023 in full: the citizen holds it, it joins its queue.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0301","op":"printed","ticket":"A023"}`,
		Want:  protocol.Request{V: 1, Key: "kiosk-1-0301", Op: protocol.OpPrinted, Ticket: "A023"},
	},
	{
		Name:  "void",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0302","op":"void","ticket":"A024"}`,
		Want:  protocol.Request{V: 1, Key: "kiosk-1-0302", Op: protocol.OpVoid, Ticket: "A024"},
	},
	{
		Name:  "void with reason",
		Desc:  "The kiosk gave up printing A025.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0303","op":"void","ticket":"A025","reason":"paper_out"}`,
		Want:  protocol.Request{V: 1, Key: "kiosk-1-0303", Op: protocol.OpVoid, Ticket: "A025", Reason: "paper_out"},
	},
	{
		Name:  "ticket priority elderly vi",
		Desc:  "An elderly citizen's ticket, printed and announced in Vietnamese.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0002","op":"ticket","service":"B","priority":"elderly","lang":"vi"}`,
		Want: protocol.Request{V: 1, Key: "kiosk-1-0002", Op: protocol.OpTicket, Service: "B",
			Priority: protocol.PriorityElderly, Lang: "vi"},
	},
	{
		Name:  "ticket priority young child km",
		Desc:  "A parent with a young child, in Khmer.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0003","op":"ticket","service":"E","priority":"young_child","lang":"km"}`,
		Want: protocol.Request{V: 1, Key: "kiosk-1-0003", Op: protocol.OpTicket, Service: "E",
			Priority: protocol.PriorityYoungChild, Lang: "km"},
	},
	{
		Name:  "ticket veteran en",
		Desc:  "A veteran, in English; a key may use any printable ASCII.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1:2026-11-23T08:15:02#4","op":"ticket","service":"D","priority":"veteran","lang":"en"}`,
		Want: protocol.Request{V: 1, Key: "kiosk-1:2026-11-23T08:15:02#4", Op: protocol.OpTicket, Service: "D",
			Priority: protocol.PriorityVeteran, Lang: "en"},
	},
	{
		Name:  "call_next",
		Desc:  "The counter is left out: the controller knows the terminal's counter.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0001","op":"call_next"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0001", Op: protocol.OpCallNext},
	},
	{
		Name:  "call_next own counter",
		Desc:  "Naming its own counter is allowed.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0002","op":"call_next","counter":"1"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0002", Op: protocol.OpCallNext, Counter: "1"},
	},
	{
		Name:  "call_again",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0003","op":"call_again"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0003", Op: protocol.OpCallAgain},
	},
	{
		Name:  "complete",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0004","op":"complete"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0004", Op: protocol.OpComplete},
	},
	{
		Name:  "no_show with reason",
		Desc:  "A reason in Vietnamese, for the reports.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0005","op":"no_show","reason":"Gọi 3 lần không đến"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0005", Op: protocol.OpNoShow, Reason: "Gọi 3 lần không đến"},
	},
	{
		Name:  "transfer to service",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0006","op":"transfer","to_service":"B"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0006", Op: protocol.OpTransfer, ToService: "B"},
	},
	{
		Name:  "transfer to counter",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0007","op":"transfer","counter":"1","to_counter":"3"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0007", Op: protocol.OpTransfer, Counter: "1", ToCounter: "3"},
	},
	{
		Name:  "park",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0008","op":"park"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0008", Op: protocol.OpPark},
	},
	{
		Name:  "recall",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0009","op":"recall","ticket":"A023"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0009", Op: protocol.OpRecall, Ticket: "A023"},
	},
	{
		Name:  "call_ticket",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0010","op":"call_ticket","ticket":"A024"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0010", Op: protocol.OpCallTicket, Ticket: "A024"},
	},
	{
		Name:  "pause with reason",
		Desc:  "A lunch break: \"Nghỉ trưa\".",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0011","op":"pause","reason":"Nghỉ trưa"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0011", Op: protocol.OpPause, Reason: "Nghỉ trưa"},
	},
	{
		Name:  "pause reason 200 bytes",
		Desc:  "The longest reason: 200 bytes, here 100 two-byte letters.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0012","op":"pause","reason":"` + strings.Repeat("đ", 100) + `"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0012", Op: protocol.OpPause, Reason: strings.Repeat("đ", 100)},
	},
	{
		Name:  "resume",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0013","op":"resume"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0013", Op: protocol.OpResume},
	},
	{
		Name:  "rate very satisfied",
		Desc:  "Rất hài lòng.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0014","op":"rate","rating":"very_satisfied"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0014", Op: protocol.OpRate, Rating: protocol.RatingVerySatisfied},
	},
	{
		Name:  "rate dissatisfied",
		Desc:  "Không hài lòng.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0015","op":"rate","rating":"dissatisfied"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0015", Op: protocol.OpRate, Rating: protocol.RatingDissatisfied},
	},

	// Valid on the wire, refused by any controller whatever its state.
	{
		Name:  "call_next another counter",
		Desc:  "counter-1 is bound to counter 1 and may not act for counter 2.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0020","op":"call_next","counter":"2"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0020", Op: protocol.OpCallNext, Counter: "2"},
		Code:  protocol.CodeNotAllowed,
	},
	{
		Name:  "ticket from a counter terminal",
		Desc:  "Only kiosks issue tickets.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0021","op":"ticket","service":"A"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0021", Op: protocol.OpTicket, Service: "A"},
		Code:  protocol.CodeNotAllowed,
	},
	{
		Name:  "printed from a counter terminal",
		Desc:  "Only the kiosk that issued a ticket confirms it.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0022","op":"printed","ticket":"A023"}`,
		Want:  protocol.Request{V: 1, Key: "counter-1-0022", Op: protocol.OpPrinted, Ticket: "A023"},
		Code:  protocol.CodeNotAllowed,
	},
	{
		Name:  "call_next from a kiosk",
		Desc:  "A kiosk is bound to no counter.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0020","op":"call_next"}`,
		Want:  protocol.Request{V: 1, Key: "kiosk-1-0020", Op: protocol.OpCallNext},
		Code:  protocol.CodeNotAllowed,
	},

	// Invalid: not decodable.
	{
		Name:  "not JSON",
		Topic: kioskReq,
		JSON:  `ticket A please`,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "empty",
		Desc:  "An empty payload (what clears a retained message) is not a request.",
		Topic: kioskReq,
		JSON:  ``,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "null",
		Topic: kioskReq,
		JSON:  `null`,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "JSON array",
		Topic: kioskReq,
		JSON:  `[{"v":1,"key":"kiosk-1-0101","op":"ticket","service":"A"}]`,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "truncated",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0102","op":"ticket","service":"`,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "trailing data",
		Desc:  "Two objects in one message.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0103","op":"ticket","service":"A"}{"v":1}`,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "invalid UTF-8",
		Desc:  "\"Nghỉ trưa\" in a legacy 8-bit code page.",
		Topic: counterReq,
		JSON:  "{\"v\":1,\"key\":\"counter-1-0101\",\"op\":\"pause\",\"reason\":\"Ngh\xec tr\xfaa\"}",
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "oversized",
		Desc:  "One byte over protocol.MaxPayload.",
		Topic: counterReq,
		JSON:  oversized,
		Err:   protocol.ErrTooLarge,
		Code:  protocol.CodeMalformed,
	},

	// Invalid: version.
	{
		Name:  "missing v",
		Topic: kioskReq,
		JSON:  `{"key":"kiosk-1-0104","op":"ticket","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "v",
	},
	{
		Name:  "v 2",
		Desc:  "A newer device: refused with both versions named, and its key echoed.",
		Topic: kioskReq,
		JSON:  `{"v":2,"key":"kiosk-1-0105","op":"ticket","service":"A","queue":"A"}`,
		Err:   protocol.ErrVersion,
		Code:  protocol.CodeVersion,
	},
	{
		Name:  "v 0",
		Topic: kioskReq,
		JSON:  `{"v":0,"key":"kiosk-1-0106","op":"ticket","service":"A"}`,
		Err:   protocol.ErrVersion,
		Code:  protocol.CodeVersion,
	},
	{
		Name:  "v as string",
		Topic: kioskReq,
		JSON:  `{"v":"1","key":"kiosk-1-0107","op":"ticket","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "v",
	},

	// Invalid: fields.
	{
		Name:  "unknown field",
		Desc:  "A misspelt field is refused, not ignored.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0108","op":"ticket","servce":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "servce",
	},
	{
		Name:  "missing key",
		Topic: kioskReq,
		JSON:  `{"v":1,"op":"ticket","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "key",
	},
	{
		Name:  "key with space",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1 0109","op":"ticket","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "key",
	},
	{
		Name:  "key 65 chars",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"` + strings.Repeat("k", 65) + `","op":"ticket","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "key",
	},
	{
		Name:  "key as number",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":110,"op":"ticket","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "key",
	},
	{
		Name:  "missing op",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0111","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "op",
	},
	{
		Name:  "unknown op",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0112","op":"take_ticket","service":"A"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "op",
	},
	{
		Name:  "ticket without service",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0113","op":"ticket"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "service",
	},
	{
		Name:  "service with slash",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0114","op":"ticket","service":"A/B"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "service",
	},
	{
		Name:  "service with plus",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0115","op":"ticket","service":"+"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "service",
	},
	{
		Name:  "service with hash",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0116","op":"ticket","service":"A#"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "service",
	},
	{
		Name:  "service in Vietnamese",
		Desc:  "Ids are ASCII; names for people live in the controller's configuration.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0117","op":"ticket","service":"đất-đai"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "service",
	},
	{
		Name:  "unknown priority",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0118","op":"ticket","service":"A","priority":"vip"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "priority",
	},
	{
		Name:  "unknown language",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0119","op":"ticket","service":"A","lang":"fr"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "lang",
	},
	{
		Name:  "ticket with counter",
		Desc:  "A field the op does not use is refused.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0120","op":"ticket","service":"A","counter":"1"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "counter",
	},
	{
		Name:  "counter with plus",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0102","op":"call_next","counter":"+"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "counter",
	},
	{
		Name:  "rating on call_next",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0103","op":"call_next","rating":"satisfied"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "rating",
	},
	{
		Name:  "two unused fields",
		Desc:  "The first unused field in struct order is named, always the same.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0104","op":"resume","reason":"Hết giờ nghỉ","ticket":"A023"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "reason on resume",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0105","op":"resume","reason":"Hết giờ nghỉ"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "reason",
	},
	{
		Name:  "reason too long",
		Desc:  "201 bytes in 67 letters: the limit is 200 bytes.",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0106","op":"pause","reason":"` + longReason + `"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "reason",
	},
	{
		Name:  "recall without ticket",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0107","op":"recall"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "call_ticket bad number",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0108","op":"call_ticket","ticket":"A-023"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "transfer to neither",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0109","op":"transfer"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "to_service",
	},
	{
		Name:  "transfer to both",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0110","op":"transfer","to_service":"B","to_counter":"3"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "to_counter",
	},
	{
		Name:  "transfer to counter with hash",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0111","op":"transfer","to_counter":"#"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "to_counter",
	},
	{
		Name:  "printed without ticket",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0310","op":"printed"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "void without ticket",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0311","op":"void","reason":"paper_out"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "printed bad number",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0312","op":"printed","ticket":"A 023"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "reason on printed",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0313","op":"printed","ticket":"A023","reason":"ok"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "reason",
	},
	{
		Name:  "void reason too long",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0314","op":"void","ticket":"A023","reason":"` + longReason + `"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "reason",
	},
	{
		Name:  "printed with counter",
		Desc:  "A kiosk acts for no counter.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0315","op":"printed","ticket":"A023","counter":"1"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "counter",
	},
	{
		Name:  "hold on an offline ticket",
		Desc:  "An offline ticket is handed over once printed: it is in hand already.",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0316","op":"offline_ticket","service":"A","ticket":"A903","issued":"2026-11-23T08:15:00+07:00","hold":true}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "hold",
	},
	{
		Name:  "hold on printed",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0317","op":"printed","ticket":"A023","hold":true}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "hold",
	},
	{
		Name:  "hold on call_next",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0114","op":"call_next","hold":true}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "hold",
	},
	{
		Name:  "hold as string",
		Topic: kioskReq,
		JSON:  `{"v":1,"key":"kiosk-1-0318","op":"ticket","service":"A","hold":"yes"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "hold",
	},
	{
		Name:  "rate without rating",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0112","op":"rate"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "rating",
	},
	{
		Name:  "rating unknown",
		Topic: counterReq,
		JSON:  `{"v":1,"key":"counter-1-0113","op":"rate","rating":"rat_hai_long"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "rating",
	},
}

// Replies are the controller's answers on a device's reply topic.
var Replies = []Case{
	{
		Name:  "ticket issued",
		Topic: kioskReply,
		JSON: `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,` +
			`"ticket":{"number":"A023","service":"A","ahead":4,"wait_s":720,"issued":"2026-11-23T08:15:02+07:00","day":"2026-11-23","token":"x7kp2qm4da"}}`,
		Want: protocol.Reply{V: 1, Key: "kiosk-1-0001", Op: protocol.OpTicket, OK: true,
			Ticket: &protocol.Ticket{Number: "A023", Service: "A", Ahead: 4, WaitSeconds: 720,
				Issued: at(8, 15, 2), Day: "2026-11-23", Token: "x7kp2qm4da"}},
	},
	{
		Name:  "priority ticket issued",
		Topic: kioskReply,
		JSON: `{"v":1,"key":"kiosk-1-0002","op":"ticket","ok":true,` +
			`"ticket":{"number":"B007","service":"B","priority":"elderly","lang":"vi","ahead":0,"wait_s":0,"issued":"2026-11-23T08:16:40+07:00","day":"2026-11-23","token":"Qm3v9a"}}`,
		Want: protocol.Reply{V: 1, Key: "kiosk-1-0002", Op: protocol.OpTicket, OK: true,
			Ticket: &protocol.Ticket{Number: "B007", Service: "B", Priority: protocol.PriorityElderly, Lang: "vi",
				Issued: at(8, 16, 40), Day: "2026-11-23", Token: "Qm3v9a"}},
	},
	{
		Name:  "call_next called",
		Desc:  "The ticket called and the counter's state after it.",
		Topic: counterRepl,
		JSON: `{"v":1,"key":"counter-1-0001","op":"call_next","ok":true,` +
			`"ticket":{"number":"A023","service":"A","ahead":4,"wait_s":720,"issued":"2026-11-23T08:15:02+07:00","day":"2026-11-23","token":"x7kp2qm4da"},` +
			`"counter":{"v":1,"counter":"1","status":"serving","ticket":"A023","service":"A","since":"2026-11-23T08:27:45+07:00","services":["A","B"]}}`,
		Want: protocol.Reply{V: 1, Key: "counter-1-0001", Op: protocol.OpCallNext, OK: true,
			Ticket: &protocol.Ticket{Number: "A023", Service: "A", Ahead: 4, WaitSeconds: 720,
				Issued: at(8, 15, 2), Day: "2026-11-23", Token: "x7kp2qm4da"},
			Counter: &protocol.CounterState{V: 1, Counter: "1", Status: protocol.CounterServing, Ticket: "A023",
				Service: "A", Since: at(8, 27, 45), Services: []string{"A", "B"}}},
	},
	{
		Name:  "pause ok",
		Topic: counterRepl,
		JSON:  `{"v":1,"key":"counter-1-0011","op":"pause","ok":true,"counter":{"v":1,"counter":"1","status":"paused","since":"2026-11-23T11:30:00+07:00"}}`,
		Want: protocol.Reply{V: 1, Key: "counter-1-0011", Op: protocol.OpPause, OK: true,
			Counter: &protocol.CounterState{V: 1, Counter: "1", Status: protocol.CounterPaused, Since: at(11, 30, 0)}},
	},
	{
		Name:  "call_next nobody waiting",
		Desc:  "The current ticket was completed and nobody waits: ok, no ticket, counter idle.",
		Topic: counterRepl,
		JSON:  `{"v":1,"key":"counter-1-0004","op":"call_next","ok":true,"counter":{"v":1,"counter":"1","status":"idle","since":"2026-11-23T11:02:13+07:00","services":["A","B"]}}`,
		Want: protocol.Reply{V: 1, Key: "counter-1-0004", Op: protocol.OpCallNext, OK: true,
			Counter: &protocol.CounterState{V: 1, Counter: "1", Status: protocol.CounterIdle, Since: at(11, 2, 13),
				Services: []string{"A", "B"}}},
	},
	{
		Name:  "printed",
		Desc:  "A held ticket confirmed: the reply holds it.",
		Topic: kioskReply,
		JSON: `{"v":1,"key":"kiosk-1-0301","op":"printed","ok":true,` +
			`"ticket":{"number":"A023","service":"A","ahead":4,"wait_s":720,"issued":"2026-11-23T08:15:02+07:00","day":"2026-11-23","token":"x7kp2qm4da"}}`,
		Want: protocol.Reply{V: 1, Key: "kiosk-1-0301", Op: protocol.OpPrinted, OK: true,
			Ticket: &protocol.Ticket{Number: "A023", Service: "A", Ahead: 4, WaitSeconds: 720, Issued: at(8, 15, 2), Day: "2026-11-23", Token: "x7kp2qm4da"}},
	},
	{
		Name:  "void refused",
		Desc:  "A ticket in the citizen's hand is not the kiosk's to void; the controller's messages are English.",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0302","op":"void","ok":false,"error":{"code":"conflict","message":"ticket A024 is waiting: it reached the citizen and cannot be voided"}}`,
		Want: protocol.Reply{V: 1, Key: "kiosk-1-0302", Op: protocol.OpVoid,
			Error: &protocol.Error{Code: protocol.CodeConflict, Message: "ticket A024 is waiting: it reached the citizen and cannot be voided"}},
	},
	{
		Name:  "conflict in Vietnamese",
		Desc:  "A message for people may be Vietnamese. A counter pauses only without a current ticket.",
		Topic: counterRepl,
		JSON:  `{"v":1,"key":"counter-1-0012","op":"pause","ok":false,"error":{"code":"conflict","message":"Quầy 1 đang phục vụ số A023; hãy kết thúc số này trước khi tạm nghỉ"}}`,
		Want: protocol.Reply{V: 1, Key: "counter-1-0012", Op: protocol.OpPause,
			Error: &protocol.Error{Code: protocol.CodeConflict, Message: "Quầy 1 đang phục vụ số A023; hãy kết thúc số này trước khi tạm nghỉ"}},
	},
	{
		Name:  "invalid with field",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0113","op":"ticket","ok":false,"error":{"code":"invalid","field":"service","message":"missing: ticket needs it"}}`,
		Want: protocol.Reply{V: 1, Key: "kiosk-1-0113", Op: protocol.OpTicket,
			Error: &protocol.Error{Code: protocol.CodeInvalid, Field: "service", Message: "missing: ticket needs it"}},
	},
	{
		Name:  "version refused",
		Desc:  "The key is echoed, the op is not: it may mean something else in v2.",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0105","op":"","ok":false,"error":{"code":"version","message":"unsupported protocol version: version 2, this side speaks 1"}}`,
		Want: protocol.Reply{V: 1, Key: "kiosk-1-0105",
			Error: &protocol.Error{Code: protocol.CodeVersion, Message: "unsupported protocol version: version 2, this side speaks 1"}},
	},
	{
		Name:  "malformed without key",
		Desc:  "The refusal of a request whose key could not be read: empty key and op.",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"","op":"","ok":false,"error":{"code":"malformed","message":"malformed payload: not a JSON object"}}`,
		Want: protocol.Reply{V: 1,
			Error: &protocol.Error{Code: protocol.CodeMalformed, Message: "malformed payload: not a JSON object"}},
	},
	{
		Name:  "html characters",
		Desc:  "Canonical JSON does not escape <, > and &.",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0112","op":"","ok":false,"error":{"code":"invalid","field":"op","message":"unknown operation \"<take_ticket> & more\""}}`,
		Want: protocol.Reply{V: 1, Key: "kiosk-1-0112",
			Error: &protocol.Error{Code: protocol.CodeInvalid, Field: "op", Message: `unknown operation "<take_ticket> & more"`}},
	},

	{
		Name:  "ok with error",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,"error":{"code":"internal","message":"x"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "error",
	},
	{
		Name:  "not ok without error",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":false}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "error",
	},
	{
		Name:  "ok without key",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"","op":"ticket","ok":true}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "key",
	},
	{
		Name:  "unknown op",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"print","ok":true}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "op",
	},
	{
		Name:  "bad ticket number",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,"ticket":{"number":"A 023","service":"A","ahead":0,"wait_s":0,"issued":"2026-11-23T08:15:02+07:00","day":"2026-11-23","token":"x"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket.number",
	},
	{
		Name:  "negative wait",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,"ticket":{"number":"A023","service":"A","ahead":0,"wait_s":-60,"issued":"2026-11-23T08:15:02+07:00","day":"2026-11-23","token":"x"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket.wait_s",
	},
	{
		Name:  "ahead as string",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,"ticket":{"number":"A023","service":"A","ahead":"4","wait_s":0,"issued":"2026-11-23T08:15:02+07:00","day":"2026-11-23","token":"x"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket.ahead",
	},
	{
		Name:  "day in local format",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,"ticket":{"number":"A023","service":"A","ahead":0,"wait_s":0,"issued":"2026-11-23T08:15:02+07:00","day":"23/11/2026","token":"x"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket.day",
	},
	{
		Name:  "issued not a time",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,"ticket":{"number":"A023","service":"A","ahead":0,"wait_s":0,"issued":"8 giờ 15","day":"2026-11-23","token":"x"}}`,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "counter serving without ticket",
		Topic: counterRepl,
		JSON:  `{"v":1,"key":"counter-1-0001","op":"call_next","ok":true,"counter":{"v":1,"counter":"1","status":"serving","since":"2026-11-23T08:27:45+07:00"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "counter.ticket",
	},
	{
		Name:  "nested version",
		Topic: counterRepl,
		JSON:  `{"v":1,"key":"counter-1-0011","op":"pause","ok":true,"counter":{"v":2,"counter":"1","status":"paused","since":"2026-11-23T11:30:00+07:00"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "counter.v",
	},
	{
		Name:  "v 2",
		Topic: kioskReply,
		JSON:  `{"v":2,"key":"kiosk-1-0001","op":"ticket","ok":true}`,
		Err:   protocol.ErrVersion,
		Code:  protocol.CodeVersion,
	},
	{
		Name:  "unknown field",
		Topic: kioskReply,
		JSON:  `{"v":1,"key":"kiosk-1-0001","op":"ticket","ok":true,"retry_after":5}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "retry_after",
	},
}

func calls(n int) string {
	c := `{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:27:45+07:00"}`
	return "[" + strings.TrimSuffix(strings.Repeat(c+",", n), ",") + "]"
}

// States are the retained state topics: counter, service, board and controller.
var States = []Case{
	{
		Name:  "counter closed",
		Desc:  "A counter nobody has opened today.",
		Topic: protocol.CounterTopic(Centre, "3"),
		JSON:  `{"v":1,"counter":"3","status":"closed","since":"2026-11-23T00:00:00+07:00"}`,
		Want:  protocol.CounterState{V: 1, Counter: "3", Status: protocol.CounterClosed, Since: at(0, 0, 0)},
	},
	{
		Name:  "counter idle",
		Topic: protocol.CounterTopic(Centre, "2"),
		JSON:  `{"v":1,"counter":"2","status":"idle","since":"2026-11-23T07:30:12+07:00","services":["A","D","C"]}`,
		Want: protocol.CounterState{V: 1, Counter: "2", Status: protocol.CounterIdle, Since: at(7, 30, 12),
			Services: []string{"A", "D", "C"}},
	},
	{
		Name:  "counter serving",
		Desc:  "Serving A023, with two tickets parked.",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON: `{"v":1,"counter":"1","status":"serving","ticket":"A023","service":"A","since":"2026-11-23T08:27:45+07:00",` +
			`"parked":["A019","B004"],"services":["A","B"]}`,
		Want: protocol.CounterState{V: 1, Counter: "1", Status: protocol.CounterServing, Ticket: "A023", Service: "A",
			Since: at(8, 27, 45), Parked: []string{"A019", "B004"}, Services: []string{"A", "B"}},
	},
	{
		Name:  "counter paused",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON:  `{"v":1,"counter":"1","status":"paused","since":"2026-11-23T11:30:00+07:00","services":["A","B"]}`,
		Want: protocol.CounterState{V: 1, Counter: "1", Status: protocol.CounterPaused, Since: at(11, 30, 0),
			Services: []string{"A", "B"}},
	},
	{
		Name:  "service",
		Topic: protocol.ServiceTopic(Centre, "A"),
		JSON:  `{"v":1,"service":"A","waiting":5,"longest_wait_s":1260,"wait_s":900,"issued":42,"served":35,"at":"2026-11-23T09:02:00+07:00"}`,
		Want: protocol.ServiceState{V: 1, Service: "A", Waiting: 5, LongestWaitSeconds: 1260, WaitSeconds: 900,
			Issued: 42, Served: 35, At: at(9, 2, 0)},
	},
	{
		Name:  "service empty",
		Topic: protocol.ServiceTopic(Centre, "E"),
		JSON:  `{"v":1,"service":"E","waiting":0,"longest_wait_s":0,"wait_s":0,"issued":0,"served":0,"at":"2026-11-23T07:00:00+07:00"}`,
		Want:  protocol.ServiceState{V: 1, Service: "E", At: at(7, 0, 0)},
	},
	{
		Name:  "board empty",
		Desc:  "Empty lists are [], never null.",
		Topic: boardTopic,
		JSON:  `{"v":1,"current":[],"recent":[],"at":"2026-11-23T07:00:00+07:00"}`,
		Want:  protocol.BoardState{V: 1, Current: []protocol.Call{}, Recent: []protocol.Call{}, At: at(7, 0, 0)},
	},
	{
		Name:  "board",
		Desc:  "Two counters serving; A023 was called twice.",
		Topic: boardTopic,
		JSON: `{"v":1,"current":[` +
			`{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:29:10+07:00","repeat":1},` +
			`{"v":1,"ticket":"B007","service":"B","counter":"3","at":"2026-11-23T08:20:03+07:00"}],` +
			`"recent":[` +
			`{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:29:10+07:00","repeat":1},` +
			`{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:27:45+07:00"},` +
			`{"v":1,"ticket":"B007","service":"B","counter":"3","at":"2026-11-23T08:20:03+07:00"}],` +
			`"at":"2026-11-23T08:29:10+07:00"}`,
		Want: protocol.BoardState{V: 1,
			Current: []protocol.Call{
				{V: 1, Ticket: "A023", Service: "A", Counter: "1", At: at(8, 29, 10), Repeat: 1},
				{V: 1, Ticket: "B007", Service: "B", Counter: "3", At: at(8, 20, 3)},
			},
			Recent: []protocol.Call{
				{V: 1, Ticket: "A023", Service: "A", Counter: "1", At: at(8, 29, 10), Repeat: 1},
				{V: 1, Ticket: "A023", Service: "A", Counter: "1", At: at(8, 27, 45)},
				{V: 1, Ticket: "B007", Service: "B", Counter: "3", At: at(8, 20, 3)},
			},
			At: at(8, 29, 10)},
	},
	{
		Name:  "advice: move counter 3 to land",
		Desc:  "Land (A) is predicted at 25 min against a 20 min target; counter 3 has slack and would bring it to 12 min.",
		Topic: protocol.AdviceTopic(Centre),
		JSON:  `{"v":1,"at":"2026-11-23T09:15:00+07:00","moves":[{"counter":"3","service":"A","services":["A","B","C"],"wait_s":1500,"after_s":720,"target_s":1200}]}`,
		Want: protocol.AdviceState{V: 1, At: at(9, 15, 0), Moves: []protocol.Move{{Counter: "3", Service: "A",
			Services: []string{"A", "B", "C"}, WaitSeconds: 1500, AfterSeconds: 720, TargetSeconds: 1200}}},
	},
	{
		Name:  "advice: nothing to do",
		Topic: protocol.AdviceTopic(Centre),
		JSON:  `{"v":1,"at":"2026-11-23T09:15:30+07:00","moves":[]}`,
		Want:  protocol.AdviceState{V: 1, At: at(9, 15, 30), Moves: []protocol.Move{}},
	},
	{
		Name:  "advice: a move without its service",
		Topic: protocol.AdviceTopic(Centre),
		JSON:  `{"v":1,"at":"2026-11-23T09:15:00+07:00","moves":[{"counter":"3","services":["A"],"wait_s":1,"after_s":1,"target_s":1}]}`,
		Err:   protocol.ErrInvalid, Code: protocol.CodeInvalid, Field: "moves[0].service",
	},
	{
		Name:  "alerts: land over target, counter 4 idle",
		Desc:  "Two open alerts: land's longest wait is past its 30 min target; counter 4 is idle while its services have people waiting.",
		Topic: protocol.AlertsTopic(Centre),
		JSON:  `{"v":1,"at":"2026-11-23T09:15:00+07:00","alerts":[{"id":12,"kind":"wait_over_target","subject":"A","since":"2026-11-23T09:02:00+07:00","detail":"longest wait 43 min, target 30 min"},{"id":13,"kind":"idle_while_waiting","subject":"4","since":"2026-11-23T09:14:00+07:00"}]}`,
		Want: protocol.AlertState{V: 1, At: at(9, 15, 0), Alerts: []protocol.Alert{
			{ID: 12, Kind: protocol.AlertWait, Subject: "A", Since: at(9, 2, 0), Detail: "longest wait 43 min, target 30 min"},
			{ID: 13, Kind: protocol.AlertIdle, Subject: "4", Since: at(9, 14, 0)}}},
	},
	{
		Name:  "alerts: none open",
		Topic: protocol.AlertsTopic(Centre),
		JSON:  `{"v":1,"at":"2026-11-23T09:15:30+07:00","alerts":[]}`,
		Want:  protocol.AlertState{V: 1, At: at(9, 15, 30), Alerts: []protocol.Alert{}},
	},
	{
		Name:  "alerts: an unknown kind",
		Topic: protocol.AlertsTopic(Centre),
		JSON:  `{"v":1,"at":"2026-11-23T09:15:00+07:00","alerts":[{"id":1,"kind":"fire","subject":"A","since":"2026-11-23T09:02:00+07:00"}]}`,
		Err:   protocol.ErrInvalid, Code: protocol.CodeInvalid, Field: "alerts[0].kind",
	},
	{
		Name:  "controller online",
		Topic: protocol.ControllerTopic(Centre),
		JSON:  `{"v":1,"online":true,"version":"0.3.1","started":"2026-11-23T06:55:00+07:00","day":"2026-11-23"}`,
		Want: protocol.ControllerState{V: 1, Online: true, Version: "0.3.1", Started: at(6, 55, 0),
			Day: "2026-11-23"},
	},
	{
		Name:  "controller last will",
		Topic: protocol.ControllerTopic(Centre),
		JSON:  `{"v":1,"online":false}`,
		Want:  protocol.ControllerState{V: 1},
	},

	{
		Name:  "counter unknown status",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON:  `{"v":1,"counter":"1","status":"open","since":"2026-11-23T08:00:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "status",
	},
	{
		Name:  "counter serving without ticket",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON:  `{"v":1,"counter":"1","status":"serving","since":"2026-11-23T08:00:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "counter paused with ticket",
		Desc:  "A counter pauses only without a current ticket.",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON:  `{"v":1,"counter":"1","status":"paused","ticket":"A023","since":"2026-11-23T08:00:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "counter id with slash",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON:  `{"v":1,"counter":"1/2","status":"idle","since":"2026-11-23T08:00:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "counter",
	},
	{
		Name:  "counter bad parked",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON:  `{"v":1,"counter":"1","status":"idle","since":"2026-11-23T08:00:00+07:00","parked":["A019",""]}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "parked[1]",
	},
	{
		Name:  "counter missing v",
		Topic: protocol.CounterTopic(Centre, Counter),
		JSON:  `{"counter":"1","status":"idle","since":"2026-11-23T08:00:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "v",
	},
	{
		Name:  "service negative",
		Topic: protocol.ServiceTopic(Centre, "A"),
		JSON:  `{"v":1,"service":"A","waiting":-1,"longest_wait_s":0,"wait_s":0,"issued":0,"served":0,"at":"2026-11-23T08:00:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "waiting",
	},
	{
		Name:  "service negative served",
		Topic: protocol.ServiceTopic(Centre, "A"),
		JSON:  `{"v":1,"service":"A","waiting":0,"longest_wait_s":0,"wait_s":0,"issued":0,"served":-3,"at":"2026-11-23T08:00:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "served",
	},
	{
		Name:  "service v 2",
		Topic: protocol.ServiceTopic(Centre, "A"),
		JSON:  `{"v":2,"service":"A"}`,
		Err:   protocol.ErrVersion,
		Code:  protocol.CodeVersion,
	},
	{
		Name:  "board too many recent",
		Topic: boardTopic,
		JSON:  `{"v":1,"current":[],"recent":` + calls(protocol.MaxBoardCalls+1) + `,"at":"2026-11-23T08:30:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "recent",
	},
	{
		Name:  "board bad call",
		Topic: boardTopic,
		JSON:  `{"v":1,"current":[{"v":1,"ticket":"A023","service":"A","counter":"","at":"2026-11-23T08:27:45+07:00"}],"recent":[],"at":"2026-11-23T08:30:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "current[0].counter",
	},
	{
		Name:  "board nested version",
		Topic: boardTopic,
		JSON:  `{"v":1,"current":[],"recent":[{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:27:45+07:00"},{"v":3,"ticket":"A024","service":"A","counter":"1","at":"2026-11-23T08:27:45+07:00"}],"at":"2026-11-23T08:30:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "recent[1].v",
	},
	{
		Name:  "board current not a list",
		Topic: boardTopic,
		JSON:  `{"v":1,"current":{},"recent":[],"at":"2026-11-23T08:30:00+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "current",
	},
	{
		Name:  "controller bad day",
		Topic: protocol.ControllerTopic(Centre),
		JSON:  `{"v":1,"online":true,"day":"2026-11-31"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "day",
	},
	{
		Name:  "controller online as string",
		Topic: protocol.ControllerTopic(Centre),
		JSON:  `{"v":1,"online":"true"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "online",
	},
	{
		Name:  "controller cleared",
		Desc:  "An empty retained message clears the topic; it is no state.",
		Topic: protocol.ControllerTopic(Centre),
		JSON:  ``,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
}

// Presences are devices' retained births and last wills.
var Presences = []Case{
	{
		Name:  "kiosk birth",
		Desc:  "A kiosk whose printer is low on paper.",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON: `{"v":1,"device":"kiosk-1","kind":"kiosk","online":true,"seq":8,"firmware":"0.3.1",` +
			`"health":{"status":"degraded","uptime_s":3600,"printer":"paper_low","last_error":"Máy in sắp hết giấy"},"at":"2026-11-23T07:01:00+07:00"}`,
		Want: protocol.Presence{V: 1, Device: "kiosk-1", Kind: protocol.DeviceKiosk, Online: true, Seq: 8, Firmware: "0.3.1",
			Health: &protocol.Health{Status: protocol.HealthDegraded, UptimeSeconds: 3600, Printer: protocol.PrinterPaperLow,
				LastError: "Máy in sắp hết giấy"},
			At: at(7, 1, 0)},
	},
	{
		Name:  "kiosk last will",
		Desc:  "Set at connection 7, so it is older than the birth of connection 8.",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":1,"device":"kiosk-1","kind":"kiosk","online":false,"seq":7}`,
		Want:  protocol.Presence{V: 1, Device: "kiosk-1", Kind: protocol.DeviceKiosk, Seq: 7},
	},
	{
		Name:  "counter birth",
		Topic: protocol.PresenceTopic(Centre, CounterDevice),
		JSON:  `{"v":1,"device":"counter-1","kind":"counter","online":true,"seq":1,"health":{"status":"ok","uptime_s":12},"at":"2026-11-23T07:00:05+07:00"}`,
		Want: protocol.Presence{V: 1, Device: "counter-1", Kind: protocol.DeviceCounter, Online: true, Seq: 1,
			Health: &protocol.Health{Status: protocol.HealthOK, UptimeSeconds: 12}, At: at(7, 0, 5)},
	},
	{
		Name:  "board birth",
		Topic: protocol.PresenceTopic(Centre, Board),
		JSON:  `{"v":1,"device":"board-1","kind":"board","online":true,"seq":18446744073709551615}`,
		Want:  protocol.Presence{V: 1, Device: "board-1", Kind: protocol.DeviceBoard, Online: true, Seq: 18446744073709551615},
	},

	{
		Name:  "unknown kind",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":1,"device":"kiosk-1","kind":"printer","online":true,"seq":1}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "kind",
	},
	{
		Name:  "device wildcard",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":1,"device":"+","kind":"kiosk","online":true,"seq":1}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "device",
	},
	{
		Name:  "seq negative",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":1,"device":"kiosk-1","kind":"kiosk","online":true,"seq":-1}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "seq",
	},
	{
		Name:  "unknown health status",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":1,"device":"kiosk-1","kind":"kiosk","online":true,"seq":2,"health":{"status":"tốt","uptime_s":1}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "health.status",
	},
	{
		Name:  "unknown printer state",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":1,"device":"kiosk-1","kind":"kiosk","online":true,"seq":2,"health":{"status":"fault","uptime_s":1,"printer":"het_giay"}}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "health.printer",
	},
	{
		Name:  "unknown field",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":1,"device":"kiosk-1","kind":"kiosk","online":true,"seq":2,"ip":"10.0.0.7"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ip",
	},
	{
		Name:  "v 2",
		Topic: protocol.PresenceTopic(Centre, Kiosk),
		JSON:  `{"v":2,"device":"kiosk-1","kind":"kiosk","online":true,"seq":2}`,
		Err:   protocol.ErrVersion,
		Code:  protocol.CodeVersion,
	},
}

// Calls are call events, one per call or call again.
var Calls = []Case{
	{
		Name:  "first call",
		Topic: callTopic,
		JSON:  `{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:27:45+07:00"}`,
		Want:  protocol.Call{V: 1, Ticket: "A023", Service: "A", Counter: "1", At: at(8, 27, 45)},
	},
	{
		Name:  "call again",
		Desc:  "The second announcement of A023.",
		Topic: callTopic,
		JSON:  `{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:29:10+07:00","repeat":1}`,
		Want:  protocol.Call{V: 1, Ticket: "A023", Service: "A", Counter: "1", At: at(8, 29, 10), Repeat: 1},
	},
	{
		Name:  "utc time",
		Desc:  "Times may come in any offset; they keep it.",
		Topic: callTopic,
		JSON:  `{"v":1,"ticket":"B007","service":"B","counter":"3","at":"2026-11-23T01:20:03.5Z"}`,
		Want:  protocol.Call{V: 1, Ticket: "B007", Service: "B", Counter: "3", At: time.Date(2026, 11, 23, 1, 20, 3, 500000000, time.UTC)},
	},

	{
		Name:  "bad ticket",
		Topic: callTopic,
		JSON:  `{"v":1,"ticket":"số 23","service":"A","counter":"1","at":"2026-11-23T08:27:45+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "ticket",
	},
	{
		Name:  "missing counter",
		Topic: callTopic,
		JSON:  `{"v":1,"ticket":"A023","service":"A","at":"2026-11-23T08:27:45+07:00"}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "counter",
	},
	{
		Name:  "negative repeat",
		Topic: callTopic,
		JSON:  `{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23T08:27:45+07:00","repeat":-1}`,
		Err:   protocol.ErrInvalid,
		Code:  protocol.CodeInvalid,
		Field: "repeat",
	},
	{
		Name:  "time without zone",
		Topic: callTopic,
		JSON:  `{"v":1,"ticket":"A023","service":"A","counter":"1","at":"2026-11-23 08:27:45"}`,
		Err:   protocol.ErrMalformed,
		Code:  protocol.CodeMalformed,
	},
	{
		Name:  "v 2",
		Topic: callTopic,
		JSON:  `{"v":2,"ticket":"A023","service":"A","counter":"1","voice":"vi-south"}`,
		Err:   protocol.ErrVersion,
		Code:  protocol.CodeVersion,
	},
}

// Topics are topic names: Want is the protocol.Topic that ParseTopic returns,
// Err the error it refuses the topic with. JSON is empty.
var Topics = []Case{
	{Name: "request", Topic: "qs/v1/ninh-kieu/dev/kiosk-1/req",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindRequest, ID: Kiosk}},
	{Name: "reply", Topic: "qs/v1/ninh-kieu/dev/counter-1/reply",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindReply, ID: CounterDevice}},
	{Name: "presence", Topic: "qs/v1/ninh-kieu/dev/board-1/presence",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindPresence, ID: Board}},
	{Name: "counter", Topic: "qs/v1/ninh-kieu/state/counter/1",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindCounter, ID: "1"}},
	{Name: "service", Topic: "qs/v1/ninh-kieu/state/service/A",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindService, ID: "A"}},
	{Name: "board", Topic: "qs/v1/ninh-kieu/state/board",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindBoard}},
	{Name: "controller", Topic: "qs/v1/ninh-kieu/state/controller",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindController}},
	{Name: "call", Topic: "qs/v1/ninh-kieu/event/call",
		Want: protocol.Topic{Centre: Centre, Kind: protocol.KindCall}},

	{Name: "wrong root", Topic: "qms/v1/ninh-kieu/state/board", Err: protocol.ErrTopic},
	{Name: "root only", Topic: "qs", Err: protocol.ErrTopic},
	{Name: "empty", Topic: "", Err: protocol.ErrTopic},
	{Name: "leading slash", Topic: "/qs/v1/ninh-kieu/state/board", Err: protocol.ErrTopic},
	{Name: "v2", Topic: "qs/v2/ninh-kieu/state/board", Err: protocol.ErrVersion},
	{Name: "v10", Topic: "qs/v10/ninh-kieu/dev/kiosk-1/req", Err: protocol.ErrVersion},
	{Name: "no version", Topic: "qs/ninh-kieu/state/board", Err: protocol.ErrTopic},
	{Name: "centre only", Topic: "qs/v1/ninh-kieu", Err: protocol.ErrTopic},
	{Name: "wildcard device", Topic: "qs/v1/ninh-kieu/dev/+/req", Err: protocol.ErrTopic, Field: "device"},
	{Name: "wildcard centre", Topic: "qs/v1/+/state/board", Err: protocol.ErrTopic, Field: "centre"},
	{Name: "multi-level wildcard", Topic: "qs/v1/ninh-kieu/state/counter/#", Err: protocol.ErrTopic, Field: "counter"},
	{Name: "bad service id", Topic: "qs/v1/ninh-kieu/state/service/đất-đai", Err: protocol.ErrTopic, Field: "service"},
	{Name: "empty device", Topic: "qs/v1/ninh-kieu/dev//req", Err: protocol.ErrTopic, Field: "device"},
	{Name: "extra level", Topic: "qs/v1/ninh-kieu/dev/kiosk-1/req/x", Err: protocol.ErrTopic},
	{Name: "trailing slash", Topic: "qs/v1/ninh-kieu/state/board/", Err: protocol.ErrTopic},
	{Name: "board with id", Topic: "qs/v1/ninh-kieu/state/board/1", Err: protocol.ErrTopic},
	{Name: "counter without id", Topic: "qs/v1/ninh-kieu/state/counter", Err: protocol.ErrTopic},
	{Name: "unknown device topic", Topic: "qs/v1/ninh-kieu/dev/kiosk-1/cmd", Err: protocol.ErrTopic},
	{Name: "unknown event", Topic: "qs/v1/ninh-kieu/event/ticket", Err: protocol.ErrTopic},
}

// Equal reports whether two decoded values are equal, taking times as equal
// when they are the same instant in the same offset: time.Time's location
// pointer differs between a value built in code and one decoded.
func Equal(a, b any) bool {
	return reflect.DeepEqual(normal(reflect.ValueOf(a)).Interface(), normal(reflect.ValueOf(b)).Interface())
}

var timeType = reflect.TypeFor[time.Time]()

// normal copies v with every time in an unnamed fixed zone of its offset.
func normal(v reflect.Value) reflect.Value {
	if !v.IsValid() {
		return reflect.ValueOf((*struct{})(nil))
	}
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		_, off := t.Zone()
		return reflect.ValueOf(t.In(time.FixedZone("", off)))
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(normal(v.Elem()))
		return p
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if c.Field(i).CanSet() {
				c.Field(i).Set(normal(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(normal(v.Index(i)))
		}
		return c
	}
	return v
}
