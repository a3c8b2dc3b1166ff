// Package voicetest holds a fake voice.Player for tests and simulation.
package voicetest

import (
	"context"
	"sync"

	"github.com/sothutu/sothutu/display/voice"
)

var _ voice.Player = &Player{}

// Player records what it is asked to play and counts overlapping plays.
// Its fields are set before use and not changed after.
type Player struct {
	// Started, if not nil, receives each WAV as its play starts.
	Started chan []byte
	// Hold, if not nil, keeps each play going until a value is received
	// from it or the play's context is done.
	Hold chan struct{}
	// Err, if not nil, is the result of each play that was not cancelled.
	Err func(wav []byte) error

	mu       sync.Mutex
	played   [][]byte
	active   int
	overlaps int
}

// Play records wav and returns Err(wav), or ctx's error if ctx ends while
// held.
func (p *Player) Play(ctx context.Context, wav []byte) error {
	p.mu.Lock()
	p.active++
	if p.active > 1 {
		p.overlaps++
	}
	p.played = append(p.played, wav)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.active--
		p.mu.Unlock()
	}()
	if p.Started != nil {
		select {
		case p.Started <- wav:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if p.Hold != nil {
		select {
		case <-p.Hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if p.Err != nil {
		return p.Err(wav)
	}
	return nil
}

// Played returns the WAV files played so far, in order.
func (p *Player) Played() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.played...)
}

// Overlaps returns how many plays started while another was going on.
func (p *Player) Overlaps() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.overlaps
}
