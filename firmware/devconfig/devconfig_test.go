package devconfig_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/firmware/devconfig"
)

func TestDecode(t *testing.T) {
	type conf struct {
		Centre string `yaml:"centre"`
		Port   int    `yaml:"port"`
	}
	tests := []struct {
		name, yaml string
		want       string // in the error; empty for none
	}{
		{"good", "centre: ninh-kieu\nport: 8081\n", ""},
		{"misspelt field", "centre: ninh-kieu\nprot: 8081\n", `kiosk.yaml:2: unknown field "prot"`},
		{"wrong type", "centre: ninh-kieu\nport: tám\n", "kiosk.yaml:2: cannot unmarshal"},
		{"not YAML", "centre: [ninh-kieu\n", "kiosk.yaml:"},
		{"empty", "", "kiosk.yaml: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c conf
			err := devconfig.Decode("kiosk.yaml", []byte(tt.yaml), &c)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLinkCheck(t *testing.T) {
	good := devconfig.Link{Centre: "ninh-kieu", Device: "kiosk-1", Broker: "tcp://192.168.1.10:1883", Password: "doi-mat-khau"}
	if errs := good.Check("kiosk"); len(errs) != 0 || good.StateDir != "/var/lib/sothutu/kiosk" {
		t.Errorf("good link: %v, state dir %q", errs, good.StateDir)
	}
	bad := devconfig.Link{Centre: "ninh kieu", Device: "kiosk-1", Broker: "192.168.1.10:1883", Password: "short", StateDir: "/srv/k"}
	errs := bad.Check("kiosk")
	text := fmt.Sprint(errs)
	for _, want := range []string{"centre", "broker", "tcp://", "password", "kiosk's password"} {
		if !strings.Contains(text, want) {
			t.Errorf("errors %v lack %q", errs, want)
		}
	}
	if len(errs) != 3 || bad.StateDir != "/srv/k" {
		t.Errorf("%d errors, state dir %q", len(errs), bad.StateDir)
	}
}
