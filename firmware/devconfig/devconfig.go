// Package devconfig reads the YAML configuration files of the device
// programs (kiosk, counter terminal, hall board) strictly: a misspelt or
// unknown field is an error naming the file and its line, rather than a
// setting silently left at its default.
package devconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

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
