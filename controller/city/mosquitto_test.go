package city_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/protocol"
)

// cityPassword is the password of every city account in these tests.
const cityPassword = "city-secret"

// startBroker runs a real Mosquitto (mosquittotest) configured as the
// city's broker: each centre an account "centre-<id>" (password "pw-<id>")
// reaching only its own tree, as controller/broker writes it, and each city
// account reading every centre's figures and writing every centre's
// acknowledgements, which broker.Account cannot express.
func startBroker(t *testing.T, centres, cities []string) *testBroker {
	t.Helper()
	var all, centreAccounts []broker.Account
	for _, c := range centres {
		centreAccounts = append(centreAccounts, broker.Account{Username: "centre-" + c, Password: "pw-" + c, Centre: c})
	}
	all = append(all, centreAccounts...)
	var acl strings.Builder
	acl.Write(broker.MosquittoACL(centreAccounts))
	figures := protocol.AllFigures
	acks := strings.TrimSuffix(figures, protocol.KindFigures) + protocol.KindAck
	for _, c := range cities {
		// Centre only to pass Validate: the city's rules are below.
		all = append(all, broker.Account{Username: c, Password: cityPassword, Centre: "city"})
		fmt.Fprintf(&acl, "\nuser %s\ntopic read %s\ntopic write %s\n", c, figures, acks)
	}
	m := mosquittotest.StartACL(t, all, []byte(acl.String()))
	return &testBroker{Mosquitto: m, addr: m.Addr()}
}

// testBroker is a mosquitto process; its methods are for the test's
// goroutine.
type testBroker struct {
	*mosquittotest.Mosquitto
	addr string // host:port, kept across restarts
}

// restart stops the broker and starts it again on the same port.
func (b *testBroker) restart() { b.Restart() }
