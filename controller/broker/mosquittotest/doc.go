// Package mosquittotest runs a real Mosquitto for tests, configured from
// broker accounts the way a centre runs it: no anonymous clients, the
// password_file and acl_file that broker.MosquittoPasswords and
// broker.MosquittoACL write, and use_username_as_clientid so that a device
// cannot take over another device's session (see the broker package doc).
// With that option each account has at most one connection at a time: give a
// test's second controller connection an account of its own.
//
// Start skips the test when mosquitto is not installed, and fails it when the
// environment variable CI is "true". Install it with
//
//	apt-get install -y mosquitto
//
// The broker listens on a loopback port reserved by internal/servertest, so
// that nothing else takes it while the broker is stopped, and keeps nothing on disk:
// retained messages do not survive Stop or Restart. Its log is printed only
// if the test fails.
//
//	m := mosquittotest.Start(t, accounts)
//	opts := paho.NewClientOptions().AddBroker("tcp://" + m.Addr())
package mosquittotest
