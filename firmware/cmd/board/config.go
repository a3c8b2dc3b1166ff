package main

import (
	_ "embed"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // the centre's zone without system tzdata

	"github.com/sothutu/sothutu/firmware/devconfig"
)

//go:embed board.example.yaml
var exampleConfig []byte

// config is the hall board's configuration file.
type config struct {
	devconfig.Link `yaml:",inline"`
	Listen         string        `yaml:"listen"`
	Title          string        `yaml:"title"`
	Languages      []string      `yaml:"languages"`
	Timezone       string        `yaml:"timezone"`
	MinHighlight   time.Duration `yaml:"min_highlight"`
	// Voice, if set, announces each call from the clip pack in Clips
	// (made by deploy/voice/make-clips.sh, or recorded), in Languages,
	// through Command (default aplay -q -).
	Voice *voiceConfig `yaml:"voice"`
}

type voiceConfig struct {
	Clips     string   `yaml:"clips"`
	Languages []string `yaml:"languages"`
	Command   []string `yaml:"command"`
}

// parseConfig reads and checks the board's configuration.
var parseConfig = devconfig.Parse[config]

// Check fills in the defaults and returns what is wrong, naming each field.
func (c *config) Check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	errs = append(errs, c.Link.Check("board")...)
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8082"
	}
	if c.Title == "" {
		c.Title = "Trung tâm Phục vụ hành chính công"
	}
	if len(c.Languages) == 0 {
		c.Languages = []string{"vi", "en"}
	}
	for i, l := range c.Languages {
		switch l {
		case "vi", "en", "km":
		default:
			bad(fmt.Sprintf("languages[%d]", i), "%q: use vi, en or km", l)
		}
	}
	if c.Timezone == "" {
		c.Timezone = "Asia/Ho_Chi_Minh"
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		bad("timezone", "%q is not a time zone; write it like Asia/Ho_Chi_Minh", c.Timezone)
	}
	switch {
	case c.MinHighlight == 0:
		c.MinHighlight = 5 * time.Second
	case c.MinHighlight < time.Second || c.MinHighlight > time.Minute:
		bad("min_highlight", "%s: write a time between 1s and 1m, like 5s", c.MinHighlight)
	}
	return errors.Join(errs...)
}
