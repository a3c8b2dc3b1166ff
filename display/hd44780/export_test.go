package hd44780

import (
	"time"

	"periph.io/x/conn/v3/i2c"
)

// NewSleep is New with the waits handed to sleep instead of time.Sleep.
func NewSleep(bus i2c.Bus, opts *Opts, sleep func(time.Duration)) (*Dev, error) {
	return newDev(bus, opts, sleep)
}
