package city_test

import (
	"os"
	"testing"

	"github.com/sothutu/sothutu/controller/broker/natstest"
)

// TestMain ends the NATS cluster the cluster test's runs share.
func TestMain(m *testing.M) {
	code := m.Run()
	natstest.CloseShared()
	os.Exit(code)
}
