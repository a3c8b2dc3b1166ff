package devconfigtest_test

import (
	"errors"
	"testing"

	"github.com/sothutu/sothutu/firmware/devconfig"
	"github.com/sothutu/sothutu/firmware/devconfig/devconfigtest"
)

type config struct {
	Centre string `yaml:"centre"`
}

func (c *config) Check() error {
	if c.Centre == "" {
		return errors.New("centre: missing; name the centre as in its configuration")
	}
	return nil
}

func TestMistake(t *testing.T) {
	example := []byte("centre: ninh-kieu\n")
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown field", "centre:", "centr:", []string{"test.yaml:1:", `unknown field "centr"`}},
		{"missing centre", "ninh-kieu", `""`, []string{"test.yaml", "centre: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devconfigtest.Mistake(t, devconfig.Parse[config], "test.yaml", example, tt.from, tt.to, tt.want...)
		})
	}
}
