package voice_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/display/voice"
)

func TestExecPlayer(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.wav")
	p := &voice.ExecPlayer{Command: []string{"sh", "-c", `cat > "$0"`, out}}
	wav := []byte("RIFF....WAVEdata")
	if err := p.Play(t.Context(), wav); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, wav) {
		t.Errorf("command read %q, want %q", got, wav)
	}
}

func TestExecPlayerError(t *testing.T) {
	p := &voice.ExecPlayer{Command: []string{"sh", "-c", "cat >/dev/null; echo 'aplay: main:831: audio open error: No such file or directory' >&2; exit 1"}}
	err := p.Play(t.Context(), []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "audio open error") {
		t.Errorf("Play = %v, want the command's message", err)
	}
	p = &voice.ExecPlayer{Command: []string{"no-such-player-command"}}
	if err := p.Play(t.Context(), []byte("x")); err == nil {
		t.Error("Play with a missing command succeeded")
	}
}

func TestExecPlayerCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	p := &voice.ExecPlayer{Command: []string{"sleep", "30"}}
	begin := time.Now()
	err := p.Play(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Play = %v, want %v", err, context.DeadlineExceeded)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("Play took %v after its context ended", d)
	}
}
