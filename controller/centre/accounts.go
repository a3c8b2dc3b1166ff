package centre

import (
	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/config"
)

// Accounts are the broker accounts of a centre's configuration: the
// controller's and one per device.
func Accounts(c *config.Centre) []broker.Account {
	out := []broker.Account{{Username: c.Controller.Username, Password: c.Controller.Password, Centre: c.ID}}
	for _, d := range c.Devices {
		out = append(out, broker.Account{Username: d.ID, Password: d.Password, Centre: c.ID, Device: d.ID})
	}
	return out
}
