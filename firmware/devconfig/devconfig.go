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
