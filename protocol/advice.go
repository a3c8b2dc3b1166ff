package protocol

import (
	"fmt"
	"time"
)

// AdviceState is the controller's retained advice to the centre's manager:
// the counter moves it proposes now. An empty list means none is needed.
type AdviceState struct {
	V     int       `json:"v"`
	At    time.Time `json:"at"`
	Moves []Move    `json:"moves"`
}

// Move is one counter move: serve Service first, or, with Return, go back to
// the counter's configured services.
type Move struct {
	Counter string `json:"counter"`
	Service string `json:"service,omitempty"`
	Return  bool   `json:"return,omitempty"`
	// Services are the counter's services after the move, main one first.
	Services []string `json:"services"`
	// WaitSeconds is the predicted wait of a ticket of Service taken now,
	// AfterSeconds the same with the move made, TargetSeconds its target.
	WaitSeconds   int `json:"wait_s"`
	AfterSeconds  int `json:"after_s"`
	TargetSeconds int `json:"target_s"`
}

// MaxMoves bounds the moves of an advice state.
const MaxMoves = 20

// Validate checks an advice state.
func (a *AdviceState) Validate() error {
	if len(a.Moves) > MaxMoves {
		return invalid("moves", "%d moves, at most %d", len(a.Moves), MaxMoves)
	}
	for i, m := range a.Moves {
		field := func(f string) string { return fmt.Sprintf("moves[%d].%s", i, f) }
		if err := CheckID(field("counter"), m.Counter); err != nil {
			return err
		}
		if m.Return != (m.Service == "") {
			return invalid(field("service"), "a move names a service, a return does not")
		}
		if m.Service != "" {
			if err := CheckID(field("service"), m.Service); err != nil {
				return err
			}
		}
		if len(m.Services) == 0 || len(m.Services) > 20 {
			return invalid(field("services"), "%d services; a counter serves 1 to 20", len(m.Services))
		}
		for _, s := range m.Services {
			if err := CheckID(field("services"), s); err != nil {
				return err
			}
		}
		if m.WaitSeconds < 0 || m.AfterSeconds < 0 || m.TargetSeconds < 0 {
			return invalid(field("wait_s"), "negative")
		}
	}
	return nil
}
