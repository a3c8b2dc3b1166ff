package voice_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sothutu/sothutu/display/voice"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

// TestMakeClips builds the default pack with deploy/voice/make-clips.sh and
// composes calls from it: the real tools, as a centre would run them.
func TestMakeClips(t *testing.T) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		servertest.Program(t, tool, "apt-get install -y espeak-ng sox")
	}
	if testing.Short() {
		t.Skip("builds 257 clips; skipped with -short")
	}
	dir := t.TempDir()
	script, err := filepath.Abs("../../deploy/voice/make-clips.sh")
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	cmd := exec.CommandContext(t.Context(), "sh", script, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make-clips.sh: %v\n%s", err, out)
	}
	t.Logf("make-clips.sh took %v", time.Since(begin).Round(time.Millisecond))
	p, err := voice.LoadPack(dir)
	if err != nil {
		t.Fatal(err)
	}
	if f := p.Format(); f != (voice.Format{SampleRate: 22050, Channels: 1, Bits: 16}) {
		t.Errorf("pack format %v", f)
	}
	for _, lang := range []string{"vi", "en"} {
		wav, err := p.Compose(protocol.Call{Ticket: "A023", Counter: "15"}, lang)
		if err != nil {
			t.Fatalf("Compose(%s): %v", lang, err)
		}
		// 22050 frames of 2 bytes a second; a call takes a few seconds.
		secs := float64(len(wav)-44) / (22050 * 2)
		t.Logf("%s announcement: %.1f s", lang, secs)
		if secs < 2 || secs > 15 {
			t.Errorf("%s announcement lasts %.1f s", lang, secs)
		}
		if keep := os.Getenv("VOICE_KEEP"); keep != "" { // a folder, to listen to the result
			if err := os.WriteFile(filepath.Join(keep, "A023-15-"+lang+".wav"), wav, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}
