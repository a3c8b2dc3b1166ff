package protocol

// Version is the protocol version. Every payload carries it in its "v" field
// and every topic starts with "qs/v<Version>/". It only increases.
//
// History:
//
//	1 (2026-11-23): ticket requests, counter commands, retained counter,
//	  service, board and controller state, device presence, call events.
const Version = 1

// Root is the first level of every topic.
const Root = "qs"
