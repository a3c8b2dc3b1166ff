package natstest_test

import (
	"fmt"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker/natstest"
)

func connect(t *testing.T, addr, id string) mqtt.Client {
	t.Helper()
	// While a killed node's streams move to the others, sessions are
	// refused for a few seconds: a client tries again, as a real one does.
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).SetCleanSession(true).
		SetProtocolVersion(4).SetConnectRetry(true).SetConnectRetryInterval(250 * time.Millisecond))
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", addr, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// A message published at QoS 1 on one node reaches a subscriber on
// another, also after a third node is killed, and the killed node serves
// again after its restart.
func TestCluster(t *testing.T) {
	c := natstest.Start(t, 3)
	got := make(chan string, 16)
	sub := connect(t, c.MQTT(1), "sub")
	if tok := sub.Subscribe("qs/v1/+/up/figures", 1, func(_ mqtt.Client, m mqtt.Message) { got <- string(m.Payload()) }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	sent := map[string]bool{}
	send := func(node int, msg string) {
		t.Helper()
		defer func() { sent[msg] = true }()
		start := time.Now()
		defer func() { t.Logf("%q through node %d in %v", msg, node, time.Since(start).Round(time.Millisecond)) }()
		pub := connect(t, c.MQTT(node), fmt.Sprint("pub-", msg))
		if tok := pub.Publish("qs/v1/a/up/figures", 1, false, msg); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("publish on node %d: %v", node, tok.Error())
		}
		// QoS 1 is at least once: after a node's death a message already
		// received may come again. Moving the streams' and consumers'
		// leadership off a killed node takes up to about 10 s on a loaded
		// machine, hence the generous waits.
		for {
			select {
			case m := <-got:
				if m == msg {
					return
				}
				if !sent[m] {
					t.Fatalf("got %q, want %q", m, msg)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%q not received in 30 s", msg)
			}
		}
	}
	send(0, "one")
	c.Kill(2)
	send(0, "two")
	if err := c.Restart(2); err != nil {
		t.Fatal(err)
	}
	send(2, "three")
}
