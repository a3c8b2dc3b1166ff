// Package devconfig reads the YAML configuration files of the device
// programs (kiosk, counter terminal, hall board) strictly: a misspelt or
// unknown field is an error naming the file and its line, rather than a
// setting silently left at its default. Main starts such a program.
package devconfig

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"

	"github.com/sothutu/sothutu/internal/lifecycle"
	"github.com/sothutu/sothutu/protocol"
)

var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)

// Decode decodes the YAML document data, read from the file name, into v,
// refusing fields v does not have. Errors read "name:line: what".
func Decode(name string, data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty; see the example configuration next to the program", name)
	}
	if err == nil {
		return nil
	}
	msg := unknownField.ReplaceAllString(err.Error(), `$1: unknown field "$2"`)
	msg = strings.ReplaceAll(strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  "), "\n  ", "; ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "line ")
	return fmt.Errorf("%s:%s", name, msg)
}

// Checked is a program's configuration: Check fills in its defaults and
// returns what is wrong, naming each field.
type Checked interface{ Check() error }

// Parse decodes the configuration data, read from the file name, strictly
// (Decode) and checks it.
func Parse[T any, P interface {
	*T
	Checked
}](name string, data []byte) (*T, error) {
	c := P(new(T))
	if err := Decode(name, data, c); err != nil {
		return nil, err
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Load reads the configuration file path and parses it.
func Load[T any, P interface {
	*T
	Checked
}](path string) (*T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return Parse[T, P](path, data)
}

// Main is a device program's main function: it reads the flags -config
// (the configuration file, by default defaultPath) and -v (debug records),
// loads the configuration and runs the program until SIGINT or SIGTERM. An
// error ends the process with status 1, after the program's name, so that
// systemd restarts it; the end of ctx (the signal) is a clean exit.
func Main[T any, P interface {
	*T
	Checked
}](program, defaultPath string, run func(context.Context, *T, *slog.Logger) error) {
	path := flag.String("config", defaultPath, program+" configuration file")
	verbose := flag.Bool("v", false, "log debug records")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := Load[T, P](*path)
	if err == nil {
		err = run(ctx, cfg, log)
	}
	if !lifecycle.Clean(err) {
		fmt.Fprintln(os.Stderr, program+":", err)
		stop()
		os.Exit(1)
	}
}

// Link is what every device program's configuration holds to reach the
// controller. Programs embed it inline:
//
//	type config struct {
//		devconfig.Link `yaml:",inline"`
//		...
//	}
type Link struct {
	Centre   string `yaml:"centre"`
	Device   string `yaml:"device"`
	Broker   string `yaml:"broker"`
	Password string `yaml:"password"`
	// StateDir keeps the link's outbox and the program's own state.
	StateDir string `yaml:"state_dir"`
}

// Check returns what is wrong with the link settings of the program (kiosk,
// counter, board), naming each field, and puts StateDir under
// /var/lib/sothutu/<program> when it is left out.
func (l *Link) Check(program string) []error {
	var errs []error
	if err := protocol.CheckID("centre", l.Centre); err != nil {
		errs = append(errs, err)
	}
	if err := protocol.CheckID("device", l.Device); err != nil {
		errs = append(errs, err)
	}
	if !strings.HasPrefix(l.Broker, "tcp://") && !strings.HasPrefix(l.Broker, "ssl://") {
		errs = append(errs, fmt.Errorf("broker: %q: write it like tcp://192.168.1.10:1883", l.Broker))
	}
	if len(l.Password) < 8 {
		errs = append(errs, fmt.Errorf("password: missing or shorter than 8 characters; it is the %s's password in the centre's configuration", program))
	}
	if l.StateDir == "" {
		l.StateDir = "/var/lib/sothutu/" + program
	}
	return errs
}
