// Command board runs a hall board on a Raspberry Pi: it follows the
// centre's calls over the device link and serves the board's page on
// localhost for Chromium in kiosk mode on the hall's TV. See display/board.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/sothutu/sothutu/display/board"
	"github.com/sothutu/sothutu/display/voice"
	"github.com/sothutu/sothutu/firmware/devconfig"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/internal/lifecycle"
	"github.com/sothutu/sothutu/protocol"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() { devconfig.Main("board", "/etc/sothutu/board.yaml", run) }

// run serves the board until ctx ends.
func run(ctx context.Context, cfg *config, log *slog.Logger) error {
	log = log.With("device", cfg.Device)
	var announcer *voice.Announcer
	if cfg.Voice != nil {
		pack, err := voice.LoadPack(cfg.Voice.Clips)
		if err != nil {
			return fmt.Errorf("voice: %w", err)
		}
		announcer = voice.NewAnnouncer(pack, &voice.ExecPlayer{Command: cfg.Voice.Command},
			voice.Options{Langs: cfg.Voice.Languages, Logger: log.With("part", "voice")})
	}
	opts := board.Options{Centre: cfg.Centre, Title: cfg.Title, Langs: cfg.Languages,
		Zone: cfg.Timezone, MinHighlight: cfg.MinHighlight, Logger: log}
	if announcer != nil {
		opts.OnCall = announcer.Say
	}
	b := board.New(opts)
	l, err := link.New(link.Options{Broker: cfg.Broker, Centre: cfg.Centre, Device: cfg.Device, Kind: protocol.DeviceBoard,
		Password: cfg.Password, Firmware: version, StateDir: filepath.Join(cfg.StateDir, "link"), Logger: log,
		OnConnection: b.SetConnected})
	if err != nil {
		return err
	}
	// One subscription to the whole state tree, not one per topic, and the
	// call events first: with the embedded broker, a client's live messages
	// on a second subscription were seen not to arrive (state/service/+
	// then state/controller for the kiosk; state/# then event/call here,
	// where the retained state came but no call event did).
	l.Subscribe(protocol.CallTopic(cfg.Centre), b.HandleMessage)
	l.Subscribe(protocol.AllState(cfg.Centre), b.HandleMessage)

	page, err := lifecycle.Listen(cfg.Listen, b.Handler())
	if err != nil {
		return fmt.Errorf("board page: %w", err)
	}
	log.Info("board page", "url", "http://"+page.Addr()+"/")

	// The parts end together: the first to fail stops the others, and
	// its error ends the program, for systemd to restart it.
	parts, _ := lifecycle.NewGroup(ctx)
	parts.Go("link", l.Run)
	// The event streams end with b.Run, so that the page's shutdown need
	// not wait for them.
	parts.Go("board", b.Run)
	if announcer != nil {
		parts.Go("voice", announcer.Run)
	}
	parts.Go("board page", page.Serve)
	return parts.Wait()
}
