package voice

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Player plays one WAV file to the end, or until ctx is done.
type Player interface {
	Play(ctx context.Context, wav []byte) error
}

var _ Player = &ExecPlayer{}

// ExecPlayer plays through a command that reads a WAV file on its standard
// input, by default ALSA's "aplay -q -". A new process per announcement
// means a replugged USB speaker is found again on the next call.
type ExecPlayer struct {
	// Command and its arguments; empty means aplay -q -. Use for example
	// {"aplay", "-q", "-D", "plughw:1,0", "-"} for another sound card.
	Command []string
}

// Play runs the command with wav on its standard input and waits for it.
// The process is killed when ctx is done.
func (p *ExecPlayer) Play(ctx context.Context, wav []byte) error {
	argv := p.Command
	if len(argv) == 0 {
		argv = []string{"aplay", "-q", "-"}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(wav)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("voice.ExecPlayer: %s: %w", argv[0], ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return fmt.Errorf("voice.ExecPlayer: %s: %w: %s (is the sound card present? try aplay -l)", argv[0], err, msg)
	}
	return nil
}
