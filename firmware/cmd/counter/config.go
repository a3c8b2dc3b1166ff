package main

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"

	"github.com/sothutu/sothutu/firmware/counter"
	"github.com/sothutu/sothutu/firmware/devconfig"
	"github.com/sothutu/sothutu/protocol"
)

//go:embed counter.example.yaml
var exampleConfig []byte

// config is the counter terminal's configuration file.
type config struct {
	devconfig.Link `yaml:",inline"`
	Counter        string           `yaml:"counter"`
	Keys           keysConfig       `yaml:"keys"`
	TransferKeys   []transferConfig `yaml:"transfer_keys"`
	Satisfaction   ratingConfig     `yaml:"satisfaction"`
	Display        displayConfig    `yaml:"display"`
}

// keysConfig are the staff keys' pins; empty means no such key.
type keysConfig struct {
	CallNext  string `yaml:"call_next"`
	CallAgain string `yaml:"call_again"`
	Complete  string `yaml:"complete"`
	NoShow    string `yaml:"no_show"`
	Park      string `yaml:"park"`
	Pause     string `yaml:"pause"`
}

type transferConfig struct {
	Pin       string `yaml:"pin"`
	ToService string `yaml:"to_service"`
}

// ratingConfig are the satisfaction keys' pins.
type ratingConfig struct {
	VerySatisfied string `yaml:"very_satisfied"`
	Satisfied     string `yaml:"satisfied"`
	Neutral       string `yaml:"neutral"`
	Dissatisfied  string `yaml:"dissatisfied"`
}

// key is one configured key before its pin is looked up.
type key struct {
	field string // where it is in the file, for messages
	pin   string
	spec  counter.Key
}

// keys lists the configured keys, staff keys first.
func (c *config) keys() []key {
	var ks []key
	add := func(field, pin string, spec counter.Key) {
		if pin != "" {
			ks = append(ks, key{field: field, pin: pin, spec: spec})
		}
	}
	add("keys.call_next", c.Keys.CallNext, counter.Key{Op: protocol.OpCallNext})
	add("keys.call_again", c.Keys.CallAgain, counter.Key{Op: protocol.OpCallAgain})
	add("keys.complete", c.Keys.Complete, counter.Key{Op: protocol.OpComplete})
	add("keys.no_show", c.Keys.NoShow, counter.Key{Op: protocol.OpNoShow})
	add("keys.park", c.Keys.Park, counter.Key{Op: protocol.OpPark})
	add("keys.pause", c.Keys.Pause, counter.Key{Op: protocol.OpPause})
	for i, t := range c.TransferKeys {
		add(fmt.Sprintf("transfer_keys[%d].pin", i), t.Pin, counter.Key{Op: protocol.OpTransfer, ToService: t.ToService})
	}
	for _, r := range []struct {
		name, pin string
		rating    protocol.Rating
	}{
		{"very_satisfied", c.Satisfaction.VerySatisfied, protocol.RatingVerySatisfied},
		{"satisfied", c.Satisfaction.Satisfied, protocol.RatingSatisfied},
		{"neutral", c.Satisfaction.Neutral, protocol.RatingNeutral},
		{"dissatisfied", c.Satisfaction.Dissatisfied, protocol.RatingDissatisfied},
	} {
		add("satisfaction."+r.name, r.pin, counter.Key{Op: protocol.OpRate, Rating: r.rating})
	}
	return ks
}

var (
	pinName = regexp.MustCompile(`^GPIO\d{1,2}$`)
)

// parseConfig reads and checks the terminal's configuration.
var parseConfig = devconfig.Parse[config]

// Check fills in the defaults and returns what is wrong, naming each field.
func (c *config) Check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	errs = append(errs, c.Link.Check("counter")...)
	if err := protocol.CheckID("counter", c.Counter); err != nil {
		errs = append(errs, fmt.Errorf("%w; write the counter's id from the centre's configuration, quoted: counter: \"1\"", err))
	}
	for i, t := range c.TransferKeys {
		field := fmt.Sprintf("transfer_keys[%d]", i)
		if t.Pin == "" {
			bad(field+".pin", "missing: the GPIO pin name, like GPIO5")
		}
		if err := protocol.CheckID(field+".to_service", t.ToService); err != nil {
			errs = append(errs, fmt.Errorf("%w; the service the key sends the ticket to, like B", err))
		}
	}
	used := map[string]string{}
	for _, k := range c.keys() {
		if !pinName.MatchString(k.pin) {
			bad(k.field, "%q: write the BCM pin name, like GPIO17", k.pin)
		}
		if other, ok := used[k.pin]; ok {
			bad(k.field, "%s is also %s; one key per pin", k.pin, other)
		}
		used[k.pin] = k.field
	}
	if err := c.Display.check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
