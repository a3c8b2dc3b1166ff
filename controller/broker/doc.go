// Package broker is the MQTT broker side of a centre: who may connect, and
// which topics of the protocol tree each account may read and write.
//
// The rules live in one place, Account.Allowed. The embedded broker (Start,
// on mochi-mqtt) applies them to every publish, subscription, delivery and
// last will; MosquittoACL writes the same rules as a Mosquitto acl_file for
// centres that run an external Mosquitto, and MosquittoPasswords writes the
// matching password_file. The rest of the controller holds a Broker, so
// either can serve a centre.
//
// # Accounts
//
// A centre has one account per device and at least one for the controller.
// A device account's username is its device id. It may publish only its own
// request and presence topics, and may read only its own reply and presence
// topics and the centre's state/ and event/ trees. The controller account
// (Device empty) may read and write everything under qs/v1/<centre>/. A
// second controller account, for a monitor or a test observer, is an account
// like the first with another username.
//
// # Client ids
//
// A device's MQTT client id must equal its username: a broker keeps one
// session per client id, so a device able to choose another device's id
// could take over that device's session. The embedded broker refuses such a
// connection, and refuses a controller whose client id is a device's
// username. The controller's client id is otherwise free.
//
// Mosquitto's acl_file cannot restrict client ids. Run it with
//
//	use_username_as_clientid true
//
// so that it replaces every client id by the username: a device can then no
// longer take over another device's session (its connection is accepted under
// its own id rather than refused), and each account has at most one
// connection at a time, the controller's included. mosquittotest does so.
//
// # Differences between the brokers
//
// Both let each account publish and read exactly what Allowed allows; they
// differ in how a refusal shows:
//
//   - Subscriptions: the embedded broker refuses a filter in the SUBACK.
//     Mosquitto's acl_file grants every subscription and checks each message
//     at delivery, so a device subscribed to qs/v1/<centre>/# on Mosquitto
//     receives only what it may read.
//   - Publishes: a refused QoS 0 publish is dropped by both. A refused QoS 1
//     publish is acknowledged and dropped by Mosquitto, and ends the
//     connection on the embedded broker (MQTT 3.1.1 has no refusal code in
//     PUBACK).
//   - Last wills: the embedded broker refuses a connection whose will the
//     account may not publish; Mosquitto accepts it and drops the will when
//     it would be published.
//   - Client ids: see above.
//
// # Wiring
//
//	b, err := broker.Start(broker.Options{
//		Addr:     ":1883",
//		Accounts: accounts, // from the centre's configuration
//		Logger:   log,
//	})
//	if err != nil {
//		return fmt.Errorf("broker.Start: %w", err)
//	}
//	defer b.Close()
//
// For Mosquitto, WriteMosquitto writes a complete mosquitto.conf with
// MosquittoPasswords(accounts) as its password_file and
// MosquittoACL(accounts) as its acl_file, readable by Mosquitto's group;
// reload Mosquitto (SIGHUP) after writing them again.
package broker
