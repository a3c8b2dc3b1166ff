package button

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// Pins finds the host's GPIO pins by name (like GPIO17); fields name each
// pin's setting in the configuration, for the error when one is missing.
func Pins(names, fields []string) ([]gpio.PinIn, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("host.Init: %w", err)
	}
	pins := make([]gpio.PinIn, len(names))
	for i, n := range names {
		p := gpioreg.ByName(n)
		if p == nil {
			return nil, fmt.Errorf("%s: no GPIO pin %q on this machine (is it a Raspberry Pi? names are like GPIO17)", fields[i], n)
		}
		pins[i] = p
	}
	return pins, nil
}
