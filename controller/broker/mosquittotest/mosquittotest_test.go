package mosquittotest_test

import (
	"net"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/protocol"
)

const timeout = 5 * time.Second

var accounts = []broker.Account{
	{Username: "controller", Password: "ctl-pw", Centre: "hcm01"},
	{Username: "kiosk1", Password: "k1-pw", Centre: "hcm01", Device: "kiosk1"},
}

func options(addr string) *paho.ClientOptions {
	return paho.NewClientOptions().
		AddBroker("tcp://" + addr).
		SetClientID("controller").
		SetUsername("controller").
		SetPassword("ctl-pw").
		SetProtocolVersion(4).
		SetConnectTimeout(timeout).
		SetAutoReconnect(false)
}

func connect(t *testing.T, opts *paho.ClientOptions) (paho.Client, error) {
	t.Helper()
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(timeout) {
		t.Fatalf("connect: no answer in %v", timeout)
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c, nil
}

func wait(t *testing.T, tok paho.Token) {
	t.Helper()
	if !tok.WaitTimeout(timeout) {
		t.Fatalf("no answer in %v", timeout)
	}
	if err := tok.Error(); err != nil {
		t.Fatal(err)
	}
}

func TestStopRestart(t *testing.T) {
	m := mosquittotest.Start(t, accounts)
	addr := m.Addr()

	// A client that reconnects by itself, as the controller's will.
	connected := make(chan struct{}, 4)
	lost := make(chan struct{}, 4)
	opts := options(addr).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(20 * time.Millisecond).
		SetOnConnectHandler(func(paho.Client) { connected <- struct{}{} }).
		SetConnectionLostHandler(func(paho.Client, error) { lost <- struct{}{} })
	c, err := connect(t, opts)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	<-connected
	wait(t, c.Publish(protocol.BoardTopic("hcm01"), 1, true, "retained before the restart"))

	m.Stop()
	m.Stop()
	if conn, err := net.DialTimeout("tcp", addr, timeout); err == nil {
		conn.Close()
		t.Fatalf("%s accepts connections after Stop", addr)
	}
	select {
	case <-lost:
	case <-time.After(timeout):
		t.Fatalf("client did not see the broker stop in %v", timeout)
	}

	m.Restart()
	if m.Addr() != addr {
		t.Fatalf("Addr after Restart = %s, want %s", m.Addr(), addr)
	}
	select {
	case <-connected:
	case <-time.After(timeout):
		t.Fatalf("client did not reconnect in %v", timeout)
	}

	// Nothing is kept across a restart: the retained board is gone.
	got := make(chan string, 4)
	wait(t, c.Subscribe(protocol.AllState("hcm01"), 1, func(_ paho.Client, msg paho.Message) { got <- string(msg.Payload()) }))
	wait(t, c.Publish(protocol.ControllerTopic("hcm01"), 1, false, "fence"))
	select {
	case p := <-got:
		if p != "fence" {
			t.Fatalf("received %q after the restart, want only the fence", p)
		}
	case <-time.After(timeout):
		t.Fatalf("fence not delivered in %v", timeout)
	}
}

func TestAccounts(t *testing.T) {
	m := mosquittotest.Start(t, accounts)
	cases := []struct {
		name, username, password string
		ok                       bool
	}{
		{"controller", "controller", "ctl-pw", true},
		{"device", "kiosk1", "k1-pw", true},
		{"wrong password", "kiosk1", "ctl-pw", false},
		{"unknown", "kiosk2", "k1-pw", false},
		{"anonymous", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := connect(t, options(m.Addr()).SetClientID(tc.username).SetUsername(tc.username).SetPassword(tc.password))
			if tc.ok && err != nil {
				t.Fatalf("connect: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatalf("connect accepted, want refused")
			}
		})
	}
}

// A TLS broker takes a client that trusts its certificate authority and
// refuses one that does not.
func TestStartTLS(t *testing.T) {
	m := mosquittotest.StartTLS(t, accounts)
	tlsConfig, err := config.BrokerTLS("ssl://"+m.Addr(), m.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	c, err := connect(t, options(m.Addr()).SetTLSConfig(tlsConfig).AddBroker("ssl://"+m.Addr()))
	if err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	c.Disconnect(0)
	plain, _ := config.BrokerTLS("ssl://"+m.Addr(), "")
	if c, err := connect(t, options(m.Addr()).SetTLSConfig(plain).AddBroker("ssl://"+m.Addr())); err == nil {
		c.Disconnect(0)
		t.Fatal("a client without the CA connected")
	}
}
