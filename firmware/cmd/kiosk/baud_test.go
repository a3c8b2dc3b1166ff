package main

import (
	"strings"
	"testing"

	"github.com/sothutu/sothutu/firmware/ticket"
	"github.com/sothutu/sothutu/internal/servertest"
)

// TestConfigSerialRate: a serial printer whose rate cannot carry the
// largest ordinary ticket within 15 s is refused, naming the rate to set.
func TestConfigSerialRate(t *testing.T) {
	for _, path := range []string{ticket.DefaultFontPath, ticket.DefaultBoldFontPath} {
		servertest.File(t, path, "apt-get install -y fonts-dejavu-core")
	}
	for _, c := range []struct {
		paper, baud string
		want        []string // nil: accepted
	}{
		{"80", "4800", []string{"printer.baud: 4800 baud sends this 80 mm ticket", "set 19200 or more in the printer and here"}},
		{"80", "9600", []string{"printer.baud: 9600 baud sends this 80 mm ticket", "set 19200 or more"}},
		{"80", "19200", nil},
		{"58", "9600", []string{"printer.baud: 9600 baud sends this 58 mm ticket", "set 19200 or more"}},
		{"58", "19200", nil},
		{"58", "115200", nil},
		{"58", "9601", []string{"printer.baud: 9601 is not a serial rate"}},
	} {
		t.Run(c.paper+"mm/"+c.baud, func(t *testing.T) {
			yaml := strings.NewReplacer(
				"transport: usb", "transport: serial\n  baud: "+c.baud,
				"paper_mm: 80", "paper_mm: "+c.paper,
			).Replace(string(exampleConfig))
			_, err := parseConfig("kiosk.yaml", []byte(yaml))
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
