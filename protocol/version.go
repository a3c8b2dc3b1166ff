package protocol

// Version is the protocol version. Every payload carries it in its "v" field
// and every topic starts with "qs/v<Version>/". It only increases.
//
// History:
//
//	1 (2026-11-23): ticket requests, counter commands, retained counter,
//	  service, board and controller state, device presence, call events.
//	1 (2026-12-04): held tickets: "hold" on ticket, the kiosk's "printed"
//	  and "void" ops; alert kinds printer_offline and printer_fault. Added
//	  within version 1: a controller that knows them serves every device
//	  of version 1, and a kiosk sends hold only to such a controller.
const Version = 1

// Root is the first level of every topic.
const Root = "qs"
