package lifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Main is a program's main function once its flags are read: it runs run
// until SIGINT or SIGTERM. An error other than a clean end ends the
// process with status 1, after the program's name, so that systemd
// restarts it.
func Main(program string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); !Clean(err) {
		fmt.Fprintln(os.Stderr, program+":", err)
		stop()
		os.Exit(1)
	}
}

// Logger is a program's logger: text records on standard error, debug
// ones too when verbose.
func Logger(verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
