// Package protocol is the single source of wire truth between the controller
// and the devices of a centre: the MQTT topic tree, the JSON payloads, their
// validation and the protocol version.
//
// It imports no other package of the project. Every program encodes and
// decodes through it, so a change of the wire format is a change here, with a
// new entry in the version history (see Version).
//
// Each group of payloads has its file, with its types, limits and
// validation: request.go (with the table of the fields each op needs and
// allows), reply.go, state.go, board.go (calls), presence.go, alerts.go,
// advice.go and upstream.go (the city's figures). codec.go encodes and
// decodes them all, check.go holds the checks they share and topics.go the
// topic tree.
//
// PROTOCOL.md in this folder describes the topics and payloads for people, with
// examples to replay with mosquitto_pub and mosquitto_sub.
package protocol
